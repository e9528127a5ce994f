package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
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
	js, _ := get(t, h, "/console/console.js")
	if ct := js.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Fatalf("console.js served as %q", ct)
	}
	if r, _ := get(t, h, "/console/nope.js"); r.StatusCode != 404 {
		t.Fatalf("missing file: %d", r.StatusCode)
	}
}

// The script never turns what the server sends into HTML.
func TestScriptInsertsNoHTML(t *testing.T) {
	_, js := get(t, console.Handler("/console/"), "/console/console.js")
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(js, bad) {
			t.Errorf("console.js uses %s", bad)
		}
	}
}
