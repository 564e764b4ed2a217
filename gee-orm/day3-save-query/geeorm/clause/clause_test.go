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
