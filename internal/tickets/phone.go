package tickets

import "strings"

// NormalizePhone writes a Kazakhstan phone number the one way tickets store it
// (+7XXXXXXXXXX), so that a caller's earlier tickets are found however the number
// was dialled or typed: 8 701 123 45 67, +7 (701) 123-45-67 and 7011234567 are one
// number. Anything else (foreign numbers, "anonymous") is kept as given, trimmed.
func NormalizePhone(s string) string {
	s = strings.TrimSpace(s)
	var digits strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return s
		}
	}
	d := digits.String()
	switch {
	case len(d) == 11 && (d[0] == '8' || d[0] == '7'):
		return "+7" + d[1:]
	case len(d) == 10 && (d[0] == '7' || d[0] == '6'):
		return "+7" + d
	case d == "":
		return s
	case strings.HasPrefix(s, "+"):
		return "+" + d
	}
	return d
}
