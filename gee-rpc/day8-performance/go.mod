module gee-rpc/day8-performance

go 1.26
