package clause_test

import (
	"fmt"

	"gee-orm/day8-performance/geeorm/clause"
)

func ExampleClause_Build() {
	var c clause.Clause
	c.Set(clause.LIMIT, 10)
	c.Set(clause.SELECT, "User", []string{"Name", "Age"})
	c.Set(clause.WHERE, "Age > ?", 18)
	sql, vars := c.Build(clause.SELECT, clause.WHERE, clause.LIMIT)
	fmt.Println(sql)
	fmt.Println(vars)
	// Output:
	// SELECT "User"."Name", "User"."Age" FROM "User" WHERE (Age > ?) LIMIT 10
	// [18]
}
