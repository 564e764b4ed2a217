package schema_test

import (
	"fmt"

	"gee-orm/day8-performance/geeorm/dialect"
	"gee-orm/day8-performance/geeorm/schema"
)

type User struct {
	Name     string `geeorm:"PRIMARY KEY"`
	Age      int
	Password string `geeorm:"-"`
}

func ExampleParse() {
	sqlite, _ := dialect.GetDialect("sqlite3")
	table := schema.Parse(&User{}, sqlite)
	fmt.Println("table", table.Name, "err", table.Err)
	for _, field := range table.Fields {
		fmt.Printf("%s %s %q\n", field.Name, field.Type, field.Tag)
	}

	broken := schema.Parse(&struct{ Tags map[string]bool }{}, sqlite)
	fmt.Println(broken.Err)
	// Output:
	// table User err <nil>
	// Name text "PRIMARY KEY"
	// Age integer ""
	// schema: model struct { Tags map[string]bool } has no table name; give it a TableName method
}
