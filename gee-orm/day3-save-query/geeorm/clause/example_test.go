package clause_test

import (
	"fmt"

	"gee-orm/day3-save-query/geeorm/clause"
)

func ExampleClause_Build() {
	var c clause.Clause
	c.Set(clause.VALUES, []any{"Tom", 18}, []any{"Sam", 25})
	c.Set(clause.INSERT, "User", []string{"Name", "Age"})
	sql, vars := c.Build(clause.INSERT, clause.VALUES)
	fmt.Println(sql)
	fmt.Println(vars)
	// Output:
	// INSERT INTO "User" ("Name", "Age") VALUES (?, ?), (?, ?)
	// [Tom 18 Sam 25]
}
