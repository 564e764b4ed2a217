package session

import (
	"errors"
	"testing"
)

func TestRollbackUndoes(t *testing.T) {
	s := newUserSession(t)
	if err := s.Begin(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(&User{"Ann", 40}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(); err != nil || n != 4 {
		t.Fatalf("count inside the transaction = %d, %v; want 4", n, err)
	}
	if err := s.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(); err != nil || n != 3 {
		t.Fatalf("count after rollback = %d, %v; want 3", n, err)
	}
}

// The well-known version kept the finished transaction, so every statement
// after Commit or Rollback failed with "transaction has already been
// committed or rolled back".
func TestSessionUsableAfterCommitAndRollback(t *testing.T) {
	for _, end := range []string{"Commit", "Rollback"} {
		t.Run(end, func(t *testing.T) {
			s := newUserSession(t)
			if err := s.Begin(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Insert(&User{"Ann", 40}); err != nil {
				t.Fatal(err)
			}
			finish := s.Commit
			want := int64(5)
			if end == "Rollback" {
				finish, want = s.Rollback, 4
			}
			if err := finish(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Insert(&User{"Bob", 50}); err != nil {
				t.Fatalf("Insert after %s: %v", end, err)
			}
			// Bob is committed at once: another session sees him.
			other := New(s.db, s.dialect).Model(&User{})
			if n, err := other.Count(); err != nil || n != want {
				t.Fatalf("rows seen by another session = %d, %v; want %d", n, err, want)
			}
			if n, err := other.Where("Name = ?", "Bob").Count(); err != nil || n != 1 {
				t.Fatalf("Bob seen by another session = %d, %v; want 1", n, err)
			}
		})
	}
}

func TestTransactionMisuse(t *testing.T) {
	s := newUserSession(t)
	if err := s.Commit(); !errors.Is(err, ErrNoTransaction) {
		t.Errorf("Commit without Begin: %v", err)
	}
	if err := s.Rollback(); !errors.Is(err, ErrNoTransaction) {
		t.Errorf("Rollback without Begin: %v", err)
	}
	if err := s.Begin(); err != nil {
		t.Fatal(err)
	}
	if err := s.Begin(); err == nil {
		t.Error("Begin twice: want an error")
	}
	if err := s.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollback(); !errors.Is(err, ErrNoTransaction) {
		t.Errorf("second Rollback: %v", err)
	}
}
