module gee-web/day2-context

go 1.26
