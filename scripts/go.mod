module scripts

go 1.26
