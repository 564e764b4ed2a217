module gee-rpc/day5-http-debug

go 1.26
