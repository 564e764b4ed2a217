module gee-rpc/bench

go 1.26
