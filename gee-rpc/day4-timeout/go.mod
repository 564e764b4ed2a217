module gee-rpc/day4-timeout

go 1.26
