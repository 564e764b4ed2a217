// Package clause builds SQL statements from clauses (INSERT, VALUES,
// SELECT, ...) that are set in any order and put together in the order
// asked for.
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
)

// Clause collects the clauses of one statement, by their Type.
type Clause struct {
	sql     map[Type]string
	sqlVars map[Type][]any
}

// Set generates the clause name from vars; setting a clause again replaces it.
func (c *Clause) Set(name Type, vars ...any) {
	if c.sql == nil {
		c.sql = make(map[Type]string)
		c.sqlVars = make(map[Type][]any)
	}
	c.sql[name], c.sqlVars[name] = generators[name](vars...)
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
