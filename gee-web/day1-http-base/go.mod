module gee-web/day1-http-base

go 1.26
