module cluster-demo

go 1.26
