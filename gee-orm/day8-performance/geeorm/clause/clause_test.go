package clause

import (
	"reflect"
	"testing"
)

func TestSelect(t *testing.T) {
	var c Clause
	c.Set(LIMIT, 3)
	c.Set(SELECT, "User", []string{"Name", "Age"})
	c.Set(WHERE, "Name = ?", "Tom")
	c.Set(ORDERBY, "Age ASC")
	sql, vars := c.Build(SELECT, WHERE, ORDERBY, LIMIT)
	if want := `SELECT "Name", "Age" FROM "User" WHERE (Name = ?) ORDER BY Age ASC LIMIT 3`; sql != want {
		t.Errorf("sql = %s\nwant  %s", sql, want)
	}
	if want := []any{"Tom"}; !reflect.DeepEqual(vars, want) {
		t.Errorf("vars = %v, want %v", vars, want)
	}
}

func TestInsertValues(t *testing.T) {
	var c Clause
	c.Set(INSERT, "User", []string{"Name", "Age"})
	c.Set(VALUES, []any{"Tom", 18}, []any{"Sam", 25})
	sql, vars := c.Build(INSERT, VALUES)
	if want := `INSERT INTO "User" ("Name", "Age") VALUES (?, ?), (?, ?)`; sql != want {
		t.Errorf("sql = %s\nwant  %s", sql, want)
	}
	if want := []any{"Tom", 18, "Sam", 25}; !reflect.DeepEqual(vars, want) {
		t.Errorf("vars = %v, want %v", vars, want)
	}
}

// The well-known version kept only the last condition: Where(a).Where(b) meant b.
func TestSetWhereTwiceJoinsWithAnd(t *testing.T) {
	var c Clause
	c.Set(SELECT, "User", []string{"Name"})
	c.Set(WHERE, "Name = ? OR Name = ?", "Tom", "Sam")
	c.Set(WHERE, "Age > ?", 20)
	sql, vars := c.Build(SELECT, WHERE)
	if want := `SELECT "Name" FROM "User" WHERE (Name = ? OR Name = ?) AND (Age > ?)`; sql != want {
		t.Errorf("sql = %s\nwant  %s", sql, want)
	}
	if want := []any{"Tom", "Sam", 20}; !reflect.DeepEqual(vars, want) {
		t.Errorf("vars = %v, want %v", vars, want)
	}
}

func TestSetReplacesOtherClauses(t *testing.T) {
	var c Clause
	c.Set(LIMIT, 1)
	c.Set(LIMIT, 2)
	if sql, vars := c.Build(LIMIT); sql != "LIMIT 2" || len(vars) != 0 {
		t.Fatalf("Build = %q, %v; want LIMIT 2 and no values", sql, vars)
	}
	if !c.Has(LIMIT) || c.Has(ORDERBY) {
		t.Fatalf("Has(LIMIT) = %v, Has(ORDERBY) = %v; want true, false", c.Has(LIMIT), c.Has(ORDERBY))
	}
}

func TestIdentifiersAreQuoted(t *testing.T) {
	var c Clause
	c.Set(SELECT, `we"ird`, []string{"order", "group"})
	if sql, _ := c.Build(SELECT); sql != `SELECT "order", "group" FROM "we""ird"` {
		t.Fatalf("sql = %s", sql)
	}
}

func TestUpdateDeleteCount(t *testing.T) {
	tests := []struct {
		name     string
		set      func(c *Clause)
		wantSQL  string
		wantVars []any
	}{
		{"update", func(c *Clause) {
			c.Set(UPDATE, "User", []string{"Age", "Name"}, []any{30, "Tom"})
			c.Set(WHERE, "Name = ?", "Tom")
		}, `UPDATE "User" SET "Age" = ?, "Name" = ? WHERE (Name = ?)`, []any{30, "Tom", "Tom"}},
		{"update quotes names", func(c *Clause) {
			c.Set(UPDATE, `My "User"`, []string{`Age`, `Nick"name`}, []any{30, "Tom"})
		}, `UPDATE "My ""User""" SET "Age" = ?, "Nick""name" = ?`, []any{30, "Tom"}},
		{"delete", func(c *Clause) {
			c.Set(DELETE, "User")
			c.Set(WHERE, "Age < ?", 18)
		}, `DELETE FROM "User" WHERE (Age < ?)`, []any{18}},
		{"count", func(c *Clause) {
			c.Set(COUNT, "User")
		}, `SELECT count(*) FROM "User"`, []any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Clause
			tt.set(&c)
			sql, vars := c.Build(UPDATE, DELETE, COUNT, WHERE)
			if sql != tt.wantSQL || !reflect.DeepEqual(vars, tt.wantVars) {
				t.Fatalf("Build = %s %v\nwant    %s %v", sql, vars, tt.wantSQL, tt.wantVars)
			}
		})
	}
}

func TestColumnListAcceptsPrequotedString(t *testing.T) {
	var c Clause
	c.Set(SELECT, "User", QuoteAll([]string{"Name", "Age"}))
	if sql, _ := c.Build(SELECT); sql != `SELECT "Name", "Age" FROM "User"` {
		t.Fatalf("sql = %s", sql)
	}
}
