module gee-cache/day6-single-flight

go 1.26
