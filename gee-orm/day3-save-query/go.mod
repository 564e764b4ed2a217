module gee-orm/day3-save-query

go 1.26
