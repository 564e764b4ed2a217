package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// The gee-orm part of the tour. It builds gee-orm/day8-performance's demo and runs it, then
// builds a small driver program of its own (ormDriverSource, below) against the same chapter's
// geeorm package and runs it against a SQLite file in the tour's temporary folder: -mode setup
// creates a User table and an Order table that references it, inserts, finds, updates, counts
// and runs a transaction that fails; -mode migrate migrates User to a new struct. After each, a
// second process (-mode show) reads the file back on its own, so the checks rest on what is in
// the database, not only on what the driver said it did. The modes live here, not in the
// chapter's demo, because only the tour needs them.

func init() { registerTour("gee-orm", ormTour) }

const ormChapter = "gee-orm/day8-performance"

var (
	ormRowLine     = regexp.MustCompile(`(?m)^row: (.*)$`)
	ormColumnsLine = regexp.MustCompile(`(?m)^columns: (.*)$`)
	ormTableLine   = regexp.MustCompile(`(?m)^table: (.*)$`)
	ormOrdersLine  = regexp.MustCompile(`(?m)^orders: (.*)$`)
)

// ormShown is what -mode show printed: User's definition, columns and rows (cells split), and
// the orders with the user each references.
type ormShown struct {
	definition string
	columns    string
	rows       [][]string
	orders     string
}

func parseORMShow(out string) ormShown {
	var s ormShown
	if m := ormTableLine.FindStringSubmatch(out); m != nil {
		s.definition = m[1]
	}
	if m := ormColumnsLine.FindStringSubmatch(out); m != nil {
		s.columns = m[1]
	}
	if m := ormOrdersLine.FindStringSubmatch(out); m != nil {
		s.orders = m[1]
	}
	for _, m := range ormRowLine.FindAllStringSubmatch(out, -1) {
		cells := strings.Split(m[1], " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		s.rows = append(s.rows, cells)
	}
	return s
}

// column returns cell i of every row.
func (s ormShown) column(i int) []string {
	var cells []string
	for _, row := range s.rows {
		if i < len(row) {
			cells = append(cells, row[i])
		} else {
			cells = append(cells, "<missing>")
		}
	}
	return cells
}

// ormHasLine reports whether out has a line exactly equal to line.
func ormHasLine(out, line string) bool {
	return slices.Contains(strings.Split(strings.ReplaceAll(out, "\r", ""), "\n"), line)
}

// buildORMDriver writes ormDriverSource to a module in the tour's folder, whose go.work uses the
// chapter's module, and builds it. It returns the binary's path.
func buildORMDriver(t *Tour) (string, error) {
	dir := filepath.Join(t.TempDir(), "ormdriver")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	sum, err := os.ReadFile(filepath.Join(t.Root(), ormChapter, "go.sum"))
	if err != nil {
		return "", err
	}
	files := map[string]string{
		"main.go": ormDriverSource,
		"go.mod":  "module geetour/ormdriver\n\ngo 1.26\n\nrequire github.com/mattn/go-sqlite3 v1.14.53\n",
		"go.work": fmt.Sprintf("go 1.26\n\nuse (\n\t.\n\t%s\n)\n", filepath.Join(t.Root(), ormChapter)),
		"go.sum":  string(sum),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	bin := filepath.Join(dir, "ormdriver")
	t.printf("  building the tour's driver against %s\n", ormChapter)
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK="+filepath.Join(dir, "go.work"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the driver: %v\n%s", err, out)
	}
	return bin, nil
}

func ormTour(t *Tour) error {
	demo, err := t.Build(ormChapter)
	if err != nil {
		return err
	}
	t.Say("The chapter's demo: a transaction that commits, one that rolls back, then a migration in place (every SQL statement is logged)")
	out, err := t.RunCmd("demo", demo, "-db", filepath.Join(t.TempDir(), "gee-orm-demo.db"))
	if err != nil {
		return err
	}
	t.Check(ormHasLine(out, "first transaction: committed") && ormHasLine(out, "second transaction: rolled back: the bank is closed"),
		"the first transaction committed, the second rolled back with its error")
	t.Check(strings.Count(out, "count: 2") == 2, "two accounts before and after the failed transaction")
	t.Check(strings.Contains(out, `ALTER TABLE "Account" ADD COLUMN "Email" text DEFAULT ''`) &&
		strings.Contains(out, `ALTER TABLE "Account" DROP COLUMN "Password"`),
		"Migrate added Email and dropped Password with ALTER TABLE, in place")
	t.Check(ormHasLine(out, "accounts after migrate: [{ID:1001 Email:} {ID:1002 Email:}]"), "both accounts survived the migration")

	bin, err := buildORMDriver(t)
	if err != nil {
		return err
	}
	db := filepath.Join(t.TempDir(), "gee-orm-tour.db")

	t.Say("Create User and Order (which references User ON DELETE CASCADE), insert, find, update, count, and run a transaction that fails")
	out, err = t.RunCmd("setup", bin, "-db", db, "-mode", "setup")
	if err != nil {
		return err
	}
	t.Check(strings.Contains(out, `CREATE TABLE "User" ("ID" integer PRIMARY KEY, "Name" text, "Nick" text UNIQUE, "Age" integer)`),
		"the table was created from the struct, ID as primary key, Nick unique")
	t.Check(ormHasLine(out, "inserted: 3 users, 3 orders"), "three users and three orders inserted")
	t.Check(ormHasLine(out, "older than 20: [{3 Kate kate 30} {2 Sam sam 25}]"), "Find with Where and OrderBy returned Kate and Sam, oldest first")
	t.Check(strings.Contains(out, `SELECT "User"."ID", "User"."Name", "User"."Nick", "User"."Age" FROM "User"`),
		"selected columns are qualified with the table")
	t.Check(ormHasLine(out, "updated: 1, Tom's age: 19"), "Update changed one row and First read Tom's new age")
	t.Check(ormHasLine(out, "update without Where: session: update and delete need a Where; Where(\"1 = 1\") means all rows"),
		"an Update without Where was refused")
	t.Check(strings.Contains(out, "transaction rollback") && ormHasLine(out, "transaction rolled back: payment declined"),
		"the failing transaction was rolled back and its error returned")
	t.Check(ormHasLine(out, "count after failed transaction: 3") &&
		ormHasLine(out, "Tom's age after failed transaction: 19, Eve found: false"),
		"after the failed transaction: still 3 rows, no Eve, Tom still 19")

	t.Say("Read the file back with a second process")
	out, err = t.RunCmd("show", bin, "-db", db, "-mode", "show")
	if err != nil {
		return err
	}
	shown := parseORMShow(out)
	t.Check(shown.columns == "ID, Name, Nick, Age", "User has columns ID, Name, Nick, Age (got %q)", shown.columns)
	t.Check(slices.Equal(shown.column(1), []string{"Tom", "Sam", "Kate"}), "its rows are Tom, Sam, Kate and no Eve (got %v)", shown.column(1))
	t.Check(slices.Equal(shown.column(3), []string{"19", "25", "30"}), "ages 19, 25, 30: the update is stored, the rolled-back one is not (got %v)", shown.column(3))
	t.Check(shown.orders == "1 Tom, 2 Sam, 3 Kate", "each order references its user (got %q)", shown.orders)

	t.Say("Migrate User to a new struct: Nick and Age removed, Email added, in one transaction, foreign keys on")
	out, err = t.RunCmd("migrate", bin, "-db", db, "-mode", "migrate")
	if err != nil {
		return err
	}
	t.Check(strings.Contains(out, "cannot drop UNIQUE column") && strings.Contains(out, `CREATE TABLE "geeorm_migrate_User"`) &&
		strings.Contains(out, `ALTER TABLE "geeorm_migrate_User" RENAME TO "User"`) && strings.Contains(out, "transaction commit"),
		"SQLite refused to drop the UNIQUE column in place, so the table was rebuilt, and the transaction committed")
	t.Check(ormHasLine(out, "migrated: columns ID, Name, Email"), "the driver reports the new columns")
	t.Check(ormHasLine(out, "duplicate ID after migrate rejected: true"), "a second row with ID 1 is refused after the migration")
	t.Check(ormHasLine(out, "count after migrate: 3, orders: 3"), "3 users after the migration, and all 3 orders that cascade from them")

	t.Say("Read the migrated file back with a second process")
	out, err = t.RunCmd("show", bin, "-db", db, "-mode", "show")
	if err != nil {
		return err
	}
	shown = parseORMShow(out)
	t.Check(shown.columns == "ID, Name, Email", "User now has columns ID, Name, Email (got %q)", shown.columns)
	t.Check(strings.Contains(shown.definition, `"ID" integer PRIMARY KEY`), "the primary key survived the migration: %s", shown.definition)
	t.Check(slices.Equal(shown.column(0), []string{"1", "2", "3"}) && slices.Equal(shown.column(1), []string{"Tom", "Sam", "Kate"}),
		"every row kept its ID and Name (got %v %v)", shown.column(0), shown.column(1))
	t.Check(slices.Equal(shown.column(2), []string{"tom@example.com", "", ""}),
		"the new Email column holds Tom's address and empty values for the others (got %q)", shown.column(2))
	t.Check(shown.orders == "1 Tom, 2 Sam, 3 Kate", "every order survived and still references its user (got %q)", shown.orders)
	if len(shown.rows) != 3 {
		return fmt.Errorf("show printed %d rows after the migration, want 3", len(shown.rows))
	}
	return nil
}

// ormDriverSource is the tour's driver program, built against the chapter's geeorm package.
const ormDriverSource = `// Command ormdriver is the gee-orm tour's driver, written and built by
// scripts/gee/tour_orm.go against gee-orm/day8-performance.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"gee-orm/day8-performance/geeorm"
	"gee-orm/day8-performance/geeorm/session"

	_ "github.com/mattn/go-sqlite3"
)

// User is the table's first shape.
type User struct {
	ID   int ` + "`geeorm:\"PRIMARY KEY\"`" + `
	Name string
	Nick string ` + "`geeorm:\"UNIQUE\"`" + `
	Age  int
}

// UserV2 is its second shape: Nick and Age are gone, Email is new.
type UserV2 struct {
	ID    int ` + "`geeorm:\"PRIMARY KEY\"`" + `
	Name  string
	Email string
}

func (UserV2) TableName() string { return "User" }

// Order references a User; deleting the user deletes its orders.
type Order struct {
	ID     int ` + "`geeorm:\"PRIMARY KEY\"`" + `
	UserID int ` + "`geeorm:\"REFERENCES \\\"User\\\" (ID) ON DELETE CASCADE\"`" + `
}

func main() {
	db := flag.String("db", "gee-orm-tour.db", "SQLite database file")
	mode := flag.String("mode", "", "setup, migrate or show")
	flag.Parse()
	steps := map[string]func(*geeorm.Engine) error{"setup": setup, "migrate": migrate, "show": show}[*mode]
	if steps == nil {
		fmt.Fprintln(os.Stderr, "want -mode setup, migrate or show")
		os.Exit(2)
	}
	engine, err := geeorm.NewEngine("sqlite3", *db+"?_foreign_keys=1")
	if err == nil {
		err = steps(engine)
		engine.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func setup(engine *geeorm.Engine) error {
	if err := engine.NewSession().Model(&Order{}).DropTable(); err != nil {
		return err
	}
	s := engine.NewSession().Model(&User{})
	if err := s.DropTable(); err != nil {
		return err
	}
	if err := s.CreateTable(); err != nil {
		return err
	}
	if err := engine.NewSession().Model(&Order{}).CreateTable(); err != nil {
		return err
	}
	users, err := s.Insert(&User{1, "Tom", "tom", 18}, &User{2, "Sam", "sam", 25}, &User{3, "Kate", "kate", 30})
	if err != nil {
		return err
	}
	orders, err := engine.NewSession().Insert(&Order{1, 1}, &Order{2, 2}, &Order{3, 3})
	if err != nil {
		return err
	}
	fmt.Printf("inserted: %d users, %d orders\n", users, orders)

	var older []User
	if err := s.Where("Age > ?", 20).OrderBy("Age DESC").Find(&older); err != nil {
		return err
	}
	fmt.Println("older than 20:", older)
	n, err := s.Where("Name = ?", "Tom").Update("Age", 19)
	if err != nil {
		return err
	}
	var tom User
	if err := s.Where("Name = ?", "Tom").First(&tom); err != nil {
		return err
	}
	fmt.Printf("updated: %d, Tom's age: %d\n", n, tom.Age)
	_, err = s.Update("Age", 0)
	fmt.Println("update without Where:", err)

	// Inserts Eve and ages Tom, then fails: all of it is rolled back.
	_, err = engine.Transaction(func(s *session.Session) (any, error) {
		if _, err := s.Insert(&User{4, "Eve", "eve", 22}); err != nil {
			return nil, err
		}
		if _, err := s.Model(&User{}).Where("Name = ?", "Tom").Update("Age", 99); err != nil {
			return nil, err
		}
		return nil, errors.New("payment declined")
	})
	fmt.Println("transaction rolled back:", err)
	count, err := s.Count()
	if err != nil {
		return err
	}
	fmt.Println("count after failed transaction:", count)
	if err := s.Where("Name = ?", "Tom").First(&tom); err != nil {
		return err
	}
	err = s.Where("Name = ?", "Eve").First(&User{})
	fmt.Printf("Tom's age after failed transaction: %d, Eve found: %v\n", tom.Age, !errors.Is(err, session.ErrRecordNotFound))
	return nil
}

func migrate(engine *geeorm.Engine) error {
	if err := engine.Migrate(&UserV2{}); err != nil {
		return err
	}
	s := engine.NewSession().Model(&UserV2{})
	fmt.Println("migrated: columns", strings.Join(s.RefTable().FieldNames, ", "))
	if _, err := s.Where("Name = ?", "Tom").Update("Email", "tom@example.com"); err != nil {
		return err
	}
	_, err := s.Insert(&UserV2{ID: 1, Name: "Tom again"})
	fmt.Println("duplicate ID after migrate rejected:", err != nil)
	users, err := s.Count()
	if err != nil {
		return err
	}
	orders, err := engine.NewSession().Model(&Order{}).Count()
	if err != nil {
		return err
	}
	fmt.Printf("count after migrate: %d, orders: %d\n", users, orders)
	return nil
}

// show prints what the file holds, without the Go structs.
func show(engine *geeorm.Engine) error {
	s := engine.NewSession()
	var definition string
	if err := s.Raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'User'").QueryRow().Scan(&definition); err != nil {
		return fmt.Errorf("no User table: %w", err)
	}
	fmt.Println("table:", definition)
	rows, err := s.Raw(` + "`" + `SELECT * FROM "User" ORDER BY 1` + "`" + `).QueryRows()
	if err != nil {
		return err
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return err
	}
	fmt.Println("columns:", strings.Join(columns, ", "))
	for rows.Next() {
		values := make([]any, len(columns))
		ptrs := make([]any, len(columns))
		for i := range values {
			ptrs[i] = &values[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		cells := make([]string, len(values))
		for i, v := range values {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			cells[i] = fmt.Sprint(v)
		}
		fmt.Println("row:", strings.Join(cells, " | "))
	}
	if err := rows.Close(); err != nil {
		return err
	}
	orders, err := s.Raw(` + "`" + `SELECT group_concat(x, ', ') FROM (SELECT o.ID || ' ' || u.Name AS x FROM "Order" o JOIN "User" u ON u.ID = o.UserID ORDER BY o.ID)` + "`" + `).QueryRows()
	if err != nil {
		return err
	}
	defer orders.Close()
	var list string
	for orders.Next() {
		if err := orders.Scan(&list); err != nil {
			return err
		}
	}
	fmt.Println("orders:", list)
	return orders.Err()
}
`
