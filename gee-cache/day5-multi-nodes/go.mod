module gee-cache/day5-multi-nodes

go 1.26
