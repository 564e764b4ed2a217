module gee-rpc/day7-registry

go 1.26
