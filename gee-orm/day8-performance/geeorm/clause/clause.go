// Package clause builds SQL statements from clauses (SELECT, WHERE, LIMIT,
// ...) that are set in any order and put together in the order asked for.
// Values never enter the SQL text: each is a ? with a bound value.
package clause

import "strings"

// Type names a clause.
type Type int

// The clauses a statement can be built from.
const (
	INSERT Type = iota
	VALUES
	SELECT
	LIMIT
	WHERE
	ORDERBY
	OFFSET
	UPDATE
	DELETE
	COUNT
)

// Clause collects the clauses of one statement, by their Type.
type Clause struct {
	sql     map[Type]string
	sqlVars map[Type][]any
}

// Set generates the clause name from vars. Setting a clause again replaces
// it, except WHERE: a second condition is joined to the first with AND.
func (c *Clause) Set(name Type, vars ...any) {
	if c.sql == nil {
		c.sql = make(map[Type]string)
		c.sqlVars = make(map[Type][]any)
	}
	sql, values := generators[name](vars...)
	if old, ok := c.sql[WHERE]; ok && name == WHERE {
		sql = old + " AND " + strings.TrimPrefix(sql, "WHERE ")
		values = append(c.sqlVars[WHERE], values...)
	}
	c.sql[name], c.sqlVars[name] = sql, values
}

// Has reports whether the clause name was set.
func (c *Clause) Has(name Type) bool {
	_, ok := c.sql[name]
	return ok
}

// Build joins the clauses that were set, in the given order, into one
// statement and returns it with its values in placeholder order.
func (c *Clause) Build(orders ...Type) (string, []any) {
	var sqls []string
	var vars []any
	for _, order := range orders {
		if sql, ok := c.sql[order]; ok {
			sqls = append(sqls, sql)
			vars = append(vars, c.sqlVars[order]...)
		}
	}
	return strings.Join(sqls, " "), vars
}
