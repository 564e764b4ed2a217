package clause

import (
	"reflect"
	"testing"
)

func TestSelect(t *testing.T) {
	var c Clause
	c.Set(SELECT, "User", []string{"Name", "Age"})
	sql, vars := c.Build(SELECT)
	if want := `SELECT "User"."Name", "User"."Age" FROM "User"`; sql != want {
		t.Errorf("sql = %s\nwant  %s", sql, want)
	}
	if len(vars) != 0 {
		t.Errorf("vars = %v, want none", vars)
	}
}

func TestInsertValues(t *testing.T) {
	var c Clause
	// Set in any order, built in the order asked for.
	c.Set(VALUES, []any{"Tom", 18}, []any{"Sam", 25})
	c.Set(INSERT, "User", []string{"Name", "Age"})
	sql, vars := c.Build(INSERT, VALUES)
	if want := `INSERT INTO "User" ("Name", "Age") VALUES (?, ?), (?, ?)`; sql != want {
		t.Errorf("sql = %s\nwant  %s", sql, want)
	}
	if want := []any{"Tom", 18, "Sam", 25}; !reflect.DeepEqual(vars, want) {
		t.Errorf("vars = %v, want %v", vars, want)
	}
}

func TestSetReplacesAClause(t *testing.T) {
	var c Clause
	c.Set(VALUES, []any{1})
	c.Set(VALUES, []any{2, 3})
	if sql, vars := c.Build(VALUES); sql != "VALUES (?, ?)" || !reflect.DeepEqual(vars, []any{2, 3}) {
		t.Fatalf("Build = %q, %v; want VALUES (?, ?) and [2 3]", sql, vars)
	}
}

func TestBuildSkipsClausesNotSet(t *testing.T) {
	var c Clause
	if sql, vars := c.Build(INSERT, VALUES); sql != "" || len(vars) != 0 {
		t.Fatalf("Build of nothing = %q, %v", sql, vars)
	}
}

func TestIdentifiersAreQuoted(t *testing.T) {
	var c Clause
	c.Set(SELECT, `we"ird`, []string{"order", "group"})
	if sql, _ := c.Build(SELECT); sql != `SELECT "we""ird"."order", "we""ird"."group" FROM "we""ird"` {
		t.Fatalf("sql = %s", sql)
	}
}

func TestSelectWhereOrderByLimit(t *testing.T) {
	var c Clause
	c.Set(LIMIT, 3)
	c.Set(SELECT, "User", []string{"Name", "Age"})
	c.Set(WHERE, "Name = ?", "Tom")
	c.Set(ORDERBY, "Age ASC")
	sql, vars := c.Build(SELECT, WHERE, ORDERBY, LIMIT)
	if want := `SELECT "User"."Name", "User"."Age" FROM "User" WHERE (Name = ?) ORDER BY Age ASC LIMIT 3`; sql != want {
		t.Errorf("sql = %s\nwant  %s", sql, want)
	}
	if want := []any{"Tom"}; !reflect.DeepEqual(vars, want) {
		t.Errorf("vars = %v, want %v", vars, want)
	}
	if !c.Has(LIMIT) || c.Has(UPDATE) {
		t.Errorf("Has(LIMIT) = %v, Has(UPDATE) = %v; want true, false", c.Has(LIMIT), c.Has(UPDATE))
	}
}

// The well-known version kept only the last condition: Where(a).Where(b) meant b.
func TestSetWhereTwiceJoinsWithAnd(t *testing.T) {
	var c Clause
	c.Set(SELECT, "User", []string{"Name"})
	c.Set(WHERE, "Name = ? OR Name = ?", "Tom", "Sam")
	c.Set(WHERE, "Age > ?", 20)
	sql, vars := c.Build(SELECT, WHERE)
	if want := `SELECT "User"."Name" FROM "User" WHERE (Name = ? OR Name = ?) AND (Age > ?)`; sql != want {
		t.Errorf("sql = %s\nwant  %s", sql, want)
	}
	if want := []any{"Tom", "Sam", 20}; !reflect.DeepEqual(vars, want) {
		t.Errorf("vars = %v, want %v", vars, want)
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
