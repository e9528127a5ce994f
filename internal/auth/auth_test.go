package auth

import (
	"testing"

	"github.com/ikomek/ikomek/internal/apperr"
)

func TestSecrets(t *testing.T) {
	s1, h1 := NewSecret()
	s2, _ := NewSecret()
	if s1 == s2 {
		t.Fatal("two secrets are equal")
	}
	if !WellFormed(s1) {
		t.Fatalf("new secret %q is not well formed", s1)
	}
	if HashSecret(s1) != h1 {
		t.Fatal("hash of the secret differs from the one returned")
	}
	for _, bad := range []string{"", "ikm_", "Bearer x", s1[:len(s1)-1], "xyz_" + s1[4:], s1[:10] + "!" + s1[11:]} {
		if WellFormed(bad) {
			t.Errorf("WellFormed(%q) = true", bad)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles {
		got, err := ParseRole(string(r))
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	if _, err := ParseRole("root"); apperr.Code(err) != apperr.Invalid {
		t.Errorf("ParseRole(root) error code = %q, want invalid", apperr.Code(err))
	}
}

func TestPrincipalIs(t *testing.T) {
	op := Principal{Role: Operator}
	if !op.Is(Operator, Supervisor) || op.Is(Supervisor) {
		t.Error("operator role check wrong")
	}
	if !(Principal{Role: Admin}).Is(QC) {
		t.Error("admin must hold every role")
	}
}
