module gee-web/day5-middleware

go 1.26
