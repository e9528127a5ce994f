package apperr

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodeAndMessage(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		code, msg string
	}{
		{"nil", nil, "", "internal error"},
		{"plain error is internal", errors.New("boom"), Internal, "internal error"},
		{"app error", Errorf(NotFound, "call %d not found", 7), NotFound, "call 7 not found"},
		{"wrapped app error", fmt.Errorf("ctx: %w", Errorf(Conflict, "stale")), Conflict, "stale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Code(tc.err); got != tc.code {
				t.Errorf("Code = %q, want %q", got, tc.code)
			}
			if tc.err != nil {
				if got := Message(tc.err); got != tc.msg {
					t.Errorf("Message = %q, want %q", got, tc.msg)
				}
			}
		})
	}
}

func TestWrapKeepsChain(t *testing.T) {
	f := func() (err error) {
		defer Wrap(&err, "Calls.Get(%d)", 3)
		return Errorf(NotFound, "no call 3")
	}
	err := f()
	if err.Error() != "Calls.Get(3): not_found: no call 3" {
		t.Fatalf("got %q", err)
	}
	if Code(err) != NotFound {
		t.Fatalf("code lost: %q", Code(err))
	}
	ok := func() (err error) { defer Wrap(&err, "x"); return nil }
	if ok() != nil {
		t.Fatal("Wrap made an error out of nil")
	}
}
