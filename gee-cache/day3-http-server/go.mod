module gee-cache/day3-http-server

go 1.26
