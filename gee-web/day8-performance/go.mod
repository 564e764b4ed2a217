module gee-web/day8-performance

go 1.26
