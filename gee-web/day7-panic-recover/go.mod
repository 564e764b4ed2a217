module gee-web/day7-panic-recover

go 1.26
