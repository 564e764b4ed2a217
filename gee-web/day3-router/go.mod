module gee-web/day3-router

go 1.26
