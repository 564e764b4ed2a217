module gee-rpc/day3-service

go 1.26
