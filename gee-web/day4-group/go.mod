module gee-web/day4-group

go 1.26
