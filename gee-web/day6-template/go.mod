module gee-web/day6-template

go 1.26
