package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ikomek/ikomek/internal/console"
)

func get(t *testing.T, h http.Handler, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	resp := rec.Result()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestServesThePagesUnderAStrictPolicy(t *testing.T) {
	h := console.Handler("/console/")
	resp, page := get(t, h, "/console/")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("index: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") ||
		strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("policy %q", csp)
	}
	// Every script and style is a file of its own: the policy allows no inline code.
	if inline := regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]|<style|\son[a-z]+=`).FindString(page); inline != "" {
		t.Fatalf("inline code in the page: %q", inline)
	}
	for _, ref := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if strings.Contains(ref[1], "//") {
			t.Fatalf("the page loads %s from elsewhere", ref[1])
		}
		r, _ := get(t, h, "/console/"+ref[1])
		if r.StatusCode != 200 {
			t.Fatalf("%s: %d", ref[1], r.StatusCode)
		}
	}
	// The script's modules, and the modules they import, are served as JavaScript.
	seen := map[string]bool{}
	var load func(name string)
	load = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		resp, js := get(t, h, "/console/"+name)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
			t.Fatalf("%s: %d %q", name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, m := range regexp.MustCompile(`from '\./([a-z]+\.js)'`).FindAllStringSubmatch(js, -1) {
			load(m[1])
		}
	}
	load("console.js")
	if len(seen) < 6 {
		t.Fatalf("modules loaded: %v", seen)
	}
	if r, _ := get(t, h, "/console/nope.js"); r.StatusCode != 404 {
		t.Fatalf("missing file: %d", r.StatusCode)
	}
}

// The scripts never turn what the server sends into HTML.
func TestScriptInsertsNoHTML(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("static", "*.js"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		js, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.Contains(string(js), bad) {
				t.Errorf("%s uses %s", f, bad)
			}
		}
	}
}
