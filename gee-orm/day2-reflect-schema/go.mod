module gee-orm/day2-reflect-schema

go 1.26
