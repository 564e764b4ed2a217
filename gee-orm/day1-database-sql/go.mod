module gee-orm/day1-database-sql

go 1.26
