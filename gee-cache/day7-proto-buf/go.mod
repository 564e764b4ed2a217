module gee-cache/day7-proto-buf

go 1.26

require google.golang.org/protobuf v1.36.12
