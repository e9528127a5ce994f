package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/testenv"
	"github.com/ikomek/ikomek/internal/tickets"
)

func TestCatalog(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	cat := db.Catalog()
	res, err := tickets.LoadSeed(ctx, cat, db.SLA(), tickets.CitySeed(), admin)
	if err != nil {
		t.Fatal(err)
	}
	seed := tickets.CitySeed()
	if res.Departments != len(seed.Departments) || res.Categories != len(seed.Categories) || res.Policies != len(seed.Policies) {
		t.Fatalf("seed loaded %+v", res)
	}
	if again, err := tickets.LoadSeed(ctx, cat, db.SLA(), seed, admin); err != nil || again != (tickets.SeedResult{}) {
		t.Fatalf("loading the seed again added %+v, %v", again, err)
	}

	t.Run("a webhook gets a secret, kept when not given again", func(t *testing.T) {
		d, _ := cat.Department(ctx, "water")
		d.WebhookURL = "https://water.example.kz/hooks/109"
		saved, created, err := cat.SaveDepartment(ctx, d, admin)
		if err != nil || created || !strings.HasPrefix(saved.WebhookSecret, "whsec_") {
			t.Fatalf("saved %+v created=%v err=%v", saved, created, err)
		}
		d.Name, d.WebhookSecret = "Водоканал", ""
		again, _, err := cat.SaveDepartment(ctx, d, admin)
		if err != nil || again.WebhookSecret != saved.WebhookSecret || again.Name != "Водоканал" {
			t.Fatalf("resaved %+v, %v", again, err)
		}
	})

	t.Run("routing changes are audited", func(t *testing.T) {
		c, _ := cat.Category(ctx, "flooding_street")
		c.DepartmentCode = "roads"
		by := tickets.Actor{Role: "admin", Name: "Nurlan", Subject: "nurlan"}
		if _, created, err := cat.SaveCategory(ctx, c, by, "storm drains belong to roads since 2026"); err != nil || created {
			t.Fatalf("SaveCategory: %v created=%v", err, created)
		}
		c.Name = "Подтопление улицы"
		if _, _, err := cat.SaveCategory(ctx, c, by, "rename"); err != nil { // no routing change
			t.Fatal(err)
		}
		rs, err := cat.Routing(ctx, "flooding_street")
		if err != nil || len(rs) != 2 {
			t.Fatalf("routing = %+v, %v", rs, err)
		}
		if rs[0].FromDepartment != "" || rs[0].ToDepartment != "emergency" ||
			rs[1].FromDepartment != "emergency" || rs[1].ToDepartment != "roads" || rs[1].Actor.Name != "Nurlan" ||
			!strings.Contains(rs[1].Reason, "storm drains") {
			t.Fatalf("routing = %+v", rs)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			c    tickets.Category
			code string
		}{
			{"bad code", tickets.Category{ServiceCode: "Pot Hole", Name: "x", DepartmentCode: "roads", DefaultPriority: tickets.Low}, apperr.Invalid},
			{"unknown department", tickets.Category{ServiceCode: "x1", Name: "x", DepartmentCode: "nasa", DefaultPriority: tickets.Low}, apperr.NotFound},
			{"list without values", tickets.Category{ServiceCode: "x2", Name: "x", DepartmentCode: "roads", DefaultPriority: tickets.Low,
				Attributes: []tickets.Attribute{{Variable: true, Code: "a", Datatype: "singlevaluelist", Order: 1}}}, apperr.Invalid},
		} {
			if _, _, err := cat.SaveCategory(ctx, tc.c, admin, ""); apperr.Code(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		if _, _, err := cat.SaveDepartment(ctx, tickets.Department{Code: "x", Name: "x", Kind: "army"}, admin); apperr.Code(err) != apperr.Invalid {
			t.Errorf("bad department: %v", err)
		}
	})

	cs, err := cat.Categories(ctx, false)
	if err != nil || len(cs) != len(seed.Categories) {
		t.Fatalf("categories = %d, %v", len(cs), err)
	}
	var parking tickets.Category
	for _, c := range cs {
		if c.ServiceCode == "illegal_parking" {
			parking = c
		}
	}
	if parking.DepartmentCode != "police" || len(parking.Attributes) != 2 || parking.Attributes[1].Values[0].Key != "sidewalk" {
		t.Fatalf("illegal_parking = %+v", parking)
	}
}
