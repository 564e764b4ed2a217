module gee-rpc/day2-client

go 1.26
