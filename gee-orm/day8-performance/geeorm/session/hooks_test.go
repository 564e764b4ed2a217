package session

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Account records every hook call in calls and fails the hook named in failHook.
type Account struct {
	ID       int `geeorm:"PRIMARY KEY"`
	Password string
}

var (
	calls    []string
	failHook string
	errHook  = errors.New("hook refused")
)

func record(name string, a *Account) error {
	calls = append(calls, name)
	if name == failHook {
		return errHook
	}
	return nil
}

func (a *Account) BeforeQuery(s *Session) error  { return record("BeforeQuery", a) }
func (a *Account) BeforeInsert(s *Session) error { a.ID += 1000; return record("BeforeInsert", a) }
func (a *Account) AfterInsert(s *Session) error  { return record("AfterInsert", a) }
func (a *Account) BeforeUpdate(s *Session) error { return record("BeforeUpdate", a) }
func (a *Account) AfterUpdate(s *Session) error  { return record("AfterUpdate", a) }
func (a *Account) BeforeDelete(s *Session) error { return record("BeforeDelete", a) }
func (a *Account) AfterDelete(s *Session) error  { return record("AfterDelete", a) }

// AfterQuery hides the password of every record read.
func (a *Account) AfterQuery(s *Session) error {
	a.Password = "******"
	return record("AfterQuery", a)
}

var (
	_ BeforeQuery  = (*Account)(nil)
	_ AfterQuery   = (*Account)(nil)
	_ BeforeInsert = (*Account)(nil)
	_ AfterInsert  = (*Account)(nil)
	_ BeforeUpdate = (*Account)(nil)
	_ AfterUpdate  = (*Account)(nil)
	_ BeforeDelete = (*Account)(nil)
	_ AfterDelete  = (*Account)(nil)
)

func resetHooks(t *testing.T, fail string) {
	calls, failHook = nil, fail
	t.Cleanup(func() { calls, failHook = nil, "" })
}

func newAccountSession(t *testing.T) *Session {
	t.Helper()
	s := newTestSession(t).Model(&Account{})
	if err := s.CreateTable(); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHooksRunInOrder(t *testing.T) {
	s := newAccountSession(t)
	resetHooks(t, "")
	// A struct value (not a pointer) still gets its pointer-receiver hooks.
	if _, err := s.Insert(&Account{1, "a"}, Account{2, "b"}); err != nil {
		t.Fatal(err)
	}
	var accounts []Account
	if err := s.OrderBy("ID").Find(&accounts); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Where("ID = ?", 1001).Update("Password", "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Where("ID = ?", 1002).Delete(); err != nil {
		t.Fatal(err)
	}
	want := "BeforeInsert BeforeInsert AfterInsert AfterInsert BeforeQuery AfterQuery AfterQuery " +
		"BeforeUpdate AfterUpdate BeforeDelete AfterDelete"
	if got := strings.Join(calls, " "); got != want {
		t.Fatalf("hooks ran: %s\nwant       %s", got, want)
	}
	// BeforeInsert changed the IDs that were stored; AfterQuery ran on every record.
	if len(accounts) != 2 || accounts[0].ID != 1001 || accounts[1].ID != 1002 ||
		accounts[0].Password != "******" || accounts[1].Password != "******" {
		t.Fatalf("found %+v", accounts)
	}
}

// The well-known version only logged a hook's error and carried on.
func TestHookErrorAbortsTheOperation(t *testing.T) {
	tests := []struct {
		hook string
		run  func(s *Session) error
		// rows left in the table afterwards
		wantCount int64
	}{
		{"BeforeInsert", func(s *Session) error { _, err := s.Insert(&Account{ID: 9}); return err }, 1},
		{"BeforeQuery", func(s *Session) error { var a []Account; return s.Find(&a) }, 1},
		{"AfterQuery", func(s *Session) error { var a Account; return s.First(&a) }, 1},
		{"BeforeUpdate", func(s *Session) error { _, err := s.Where("1 = 1").Update("Password", "x"); return err }, 1},
		{"BeforeDelete", func(s *Session) error { _, err := s.Where("1 = 1").Delete(); return err }, 1},
		// After hooks run once the statement has run: the change stays, the error is still returned.
		{"AfterInsert", func(s *Session) error { _, err := s.Insert(&Account{ID: 9}); return err }, 2},
		{"AfterDelete", func(s *Session) error { _, err := s.Where("1 = 1").Delete(); return err }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.hook, func(t *testing.T) {
			s := newAccountSession(t)
			if _, err := s.Insert(&Account{ID: 1, Password: "p"}); err != nil {
				t.Fatal(err)
			}
			resetHooks(t, tt.hook)
			err := tt.run(s)
			if !errors.Is(err, errHook) || !strings.Contains(err.Error(), tt.hook+" hook") {
				t.Fatalf("err = %v, want the %s hook's error", err, tt.hook)
			}
			// An AfterQuery error leaves Find half way through its rows; they are closed.
			if inUse := s.db.Stats().InUse; inUse != 0 {
				t.Fatalf("%d connections in use after the failed %s, want 0", inUse, tt.hook)
			}
			failHook = ""
			if n, err := s.Count(); err != nil || n != tt.wantCount {
				t.Fatalf("rows after failed %s = %d, %v; want %d", tt.hook, n, err, tt.wantCount)
			}
			var a Account
			if tt.hook == "BeforeUpdate" {
				if err := s.First(&a); err != nil || a.ID != 1001 {
					t.Fatalf("after refused update: %+v, %v", a, err)
				}
			}
		})
	}
}

// The well-known version looked hooks up on the model set by Model and
// panicked when a session had none.
func TestHooksWorkWithoutModel(t *testing.T) {
	s := newAccountSession(t)
	fresh := New(s.db, s.dialect) // never calls Model
	resetHooks(t, "")
	if _, err := fresh.Insert(&Account{ID: 1}); err != nil {
		t.Fatal(err)
	}
	var accounts []Account
	if err := New(s.db, s.dialect).Find(&accounts); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(calls, " "); got != "BeforeInsert AfterInsert BeforeQuery AfterQuery" {
		t.Fatalf("hooks ran: %s", got)
	}
	if _, err := New(s.db, s.dialect).Delete(); !errors.Is(err, ErrModelNotSet) {
		t.Fatalf("Delete without Model: err = %v, want ErrModelNotSet", err)
	}
}

// Audited's hooks run statements of their own on the session.
type Audited struct{ Name string }

func (a *Audited) BeforeInsert(s *Session) error {
	_, err := s.Raw(`INSERT INTO "Log" VALUES (?)`, "insert "+a.Name).Exec()
	return err
}

func TestHookStatementsDoNotDisturbTheOperation(t *testing.T) {
	s := newTestSession(t)
	if _, err := s.Raw(`CREATE TABLE "Log" (Line text)`).Exec(); err != nil {
		t.Fatal(err)
	}
	if err := s.Model(&Audited{}).CreateTable(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(&Audited{"a"}, &Audited{"b"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(); err != nil || n != 2 {
		t.Fatalf("Audited rows = %d, %v; want 2", n, err)
	}
	var lines int
	if err := s.Raw(`SELECT count(*) FROM "Log"`).QueryRow().Scan(&lines); err != nil || lines != 2 {
		t.Fatalf("Log rows = %d, %v; want 2", lines, err)
	}
}

// Visit's AfterQuery writes through the session it is given.
type Visit struct{ ID int }

func (v *Visit) AfterQuery(s *Session) error {
	_, err := s.Raw(`INSERT INTO "Log" VALUES (?)`, fmt.Sprintf("read %d", v.ID)).Exec()
	return err
}

// Outside a transaction the hook's INSERT takes a second connection; while
// Find still held its rows open, SQLite made it wait for the busy timeout
// (5s) and fail with "database is locked".
func TestAfterQueryHookCanWriteOutsideATransaction(t *testing.T) {
	s := newTestSession(t)
	if _, err := s.Raw(`CREATE TABLE "Log" (Line text)`).Exec(); err != nil {
		t.Fatal(err)
	}
	if err := s.Model(&Visit{}).CreateTable(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(&Visit{1}, &Visit{2}); err != nil {
		t.Fatal(err)
	}
	var visits []Visit
	if err := s.Find(&visits); err != nil || len(visits) != 2 {
		t.Fatalf("Find = %+v, %v", visits, err)
	}
	var lines int
	if err := s.Raw(`SELECT count(*) FROM "Log"`).QueryRow().Scan(&lines); err != nil || lines != 2 {
		t.Fatalf("Log rows = %d, %v; want 2", lines, err)
	}
}
