module gee-orm/day4-chain-operation

go 1.26
