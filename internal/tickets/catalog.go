package tickets

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
)

// Kind is what sort of body a department is.
type Kind string

const (
	CityOffice Kind = "city_office"
	Utility    Kind = "utility"
	Police     Kind = "police" // parking and traffic violations
)

// Department receives tickets: by webhook when it has one, and through the API with
// department tokens whose subject is its code.
type Department struct {
	Code          string
	Name          string
	Kind          Kind
	WebhookURL    string // "" when the department works through the API only
	WebhookSecret string // signs webhook deliveries (HMAC-SHA256)
	Active        bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

var codeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{1,39}$`)

// Validate checks a department before it is saved.
func (d Department) Validate() error {
	if !codeRE.MatchString(d.Code) {
		return apperr.Errorf(apperr.Invalid, "department code %q: 2-40 lower-case letters, digits, - or _", d.Code)
	}
	if strings.TrimSpace(d.Name) == "" {
		return apperr.Errorf(apperr.Invalid, "department %s needs a name", d.Code)
	}
	switch d.Kind {
	case CityOffice, Utility, Police:
	default:
		return apperr.Errorf(apperr.Invalid, "department kind %q: city_office, utility or police", d.Kind)
	}
	if d.WebhookURL != "" {
		u, err := url.Parse(d.WebhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return apperr.Errorf(apperr.Invalid, "webhook URL %q is not an http(s) URL", d.WebhookURL)
		}
	}
	return nil
}

// NewWebhookSecret returns a random secret for signing a department's deliveries.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

// ServiceType is Open311's: whether a request id is returned at once.
type ServiceType string

// Category is a kind of request: an Open311 service, routed to one department.
type Category struct {
	ServiceCode     string
	Name            string
	Description     string
	Group           string
	Keywords        []string
	DepartmentCode  string
	DefaultPriority Priority
	Type            ServiceType // realtime (the default when empty), batch or blackbox
	// OnTheSpot categories (information requests) are answered by the operator and
	// closed at once; they reach no department.
	OnTheSpot  bool
	Notice     string // Open311 service_notice: what the citizen can expect
	Attributes []Attribute
	Active     bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Attribute is an extra field of a category, in Open311 service-definition shape.
type Attribute struct {
	Variable            bool             `json:"variable"`
	Code                string           `json:"code"`
	Datatype            string           `json:"datatype"` // string, number, datetime, text, singlevaluelist, multivaluelist
	Required            bool             `json:"required"`
	DatatypeDescription string           `json:"datatype_description,omitempty"`
	Order               int              `json:"order"`
	Description         string           `json:"description"`
	Values              []AttributeValue `json:"values,omitempty"`
}

// AttributeValue is one choice of a list attribute.
type AttributeValue struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

var serviceCodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{1,63}$`)

// ValidServiceCode reports whether s has the shape of a service code.
func ValidServiceCode(s string) bool { return serviceCodeRE.MatchString(s) }

var datatypes = []string{"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}

// Validate checks a category before it is saved.
func (c Category) Validate() error {
	if !ValidServiceCode(c.ServiceCode) {
		return apperr.Errorf(apperr.Invalid, "service code %q: 2-64 lower-case letters, digits, '.', '-' or '_'", c.ServiceCode)
	}
	if strings.TrimSpace(c.Name) == "" {
		return apperr.Errorf(apperr.Invalid, "category %s needs a name", c.ServiceCode)
	}
	if c.DepartmentCode == "" {
		return apperr.Errorf(apperr.Invalid, "category %s needs a department", c.ServiceCode)
	}
	if _, err := ParsePriority(string(c.DefaultPriority)); err != nil {
		return err
	}
	switch c.Type {
	case "", "realtime", "batch", "blackbox":
	default:
		return apperr.Errorf(apperr.Invalid, "service type %q: realtime, batch or blackbox", c.Type)
	}
	codes, orders := map[string]bool{}, map[int]bool{}
	for _, a := range c.Attributes {
		if a.Code == "" || codes[a.Code] {
			return apperr.Errorf(apperr.Invalid, "attribute codes of %s must be present and unique (%q)", c.ServiceCode, a.Code)
		}
		codes[a.Code] = true
		if !slices.Contains(datatypes, a.Datatype) {
			return apperr.Errorf(apperr.Invalid, "attribute %s: datatype %q is not one of %s", a.Code, a.Datatype, strings.Join(datatypes, ", "))
		}
		if a.Order <= 0 || orders[a.Order] {
			return apperr.Errorf(apperr.Invalid, "attribute %s: order must be a positive integer not used by another attribute", a.Code)
		}
		orders[a.Order] = true
		isList := strings.HasSuffix(a.Datatype, "valuelist")
		if isList != (len(a.Values) > 0) {
			return apperr.Errorf(apperr.Invalid, "attribute %s: list datatypes and only they have values", a.Code)
		}
		if !a.Variable && a.Required {
			return apperr.Errorf(apperr.Invalid, "attribute %s: an attribute that takes no input cannot be required", a.Code)
		}
	}
	return nil
}

// CheckAttributes checks attribute values submitted for c: required ones present,
// list values among the keys, numbers and datetimes well formed, nothing unknown.
func (c Category) CheckAttributes(vals map[string][]string) error {
	byCode := map[string]Attribute{}
	for _, a := range c.Attributes {
		byCode[a.Code] = a
	}
	for code, vs := range vals {
		a, ok := byCode[code]
		if !ok || !a.Variable {
			return apperr.Errorf(apperr.Invalid, "service %s has no attribute %q", c.ServiceCode, code)
		}
		if len(vs) > 1 && a.Datatype != "multivaluelist" {
			return apperr.Errorf(apperr.Invalid, "attribute %s takes one value", code)
		}
		for _, v := range vs {
			if err := checkValue(a, v); err != nil {
				return err
			}
		}
	}
	for _, a := range c.Attributes {
		if a.Required && len(nonEmpty(vals[a.Code])) == 0 {
			return apperr.Errorf(apperr.Invalid, "attribute %s (%s) is required", a.Code, a.Description)
		}
	}
	return nil
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

func checkValue(a Attribute, v string) error {
	switch a.Datatype {
	case "string":
		if strings.ContainsAny(v, "\r\n") {
			return apperr.Errorf(apperr.Invalid, "attribute %s is a single line", a.Code)
		}
	case "number":
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return apperr.Errorf(apperr.Invalid, "attribute %s must be a number, not %q", a.Code, v)
		}
	case "datetime":
		if _, err := ParseW3CTime(v); err != nil {
			return apperr.Errorf(apperr.Invalid, "attribute %s must be an ISO 8601 date and time with zone, not %q", a.Code, v)
		}
	case "singlevaluelist", "multivaluelist":
		if !slices.ContainsFunc(a.Values, func(av AttributeValue) bool { return av.Key == v }) {
			return apperr.Errorf(apperr.Invalid, "attribute %s: %q is not one of its values", a.Code, v)
		}
	}
	if len(v) > 1000 {
		return apperr.Errorf(apperr.Invalid, "attribute %s: value too long", a.Code)
	}
	return nil
}

// ParseW3CTime parses the subset of ISO 8601 that Open311 uses: a date and time with
// a zone (Z or ±hh:mm), seconds and fractions optional.
func ParseW3CTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, apperr.Errorf(apperr.Invalid, "%q is not a date and time with zone (e.g. 2026-01-10T09:30:00+05:00)", s)
}

// RoutingChange is one audited change of a category's department.
type RoutingChange struct {
	ID             int64
	ServiceCode    string
	FromDepartment string // "" when the category was created
	ToDepartment   string
	At             time.Time
	Actor          Actor
	Reason         string
}

// Catalog keeps departments and categories. Implementations must be safe for
// concurrent use.
type Catalog interface {
	// SaveDepartment creates a department or replaces one with the same code. An
	// empty secret keeps the existing one; a department given a webhook URL and no
	// secret gets a new random one. apperr Invalid for bad values.
	SaveDepartment(ctx context.Context, d Department, by Actor) (saved Department, created bool, err error)
	// Department returns one department; apperr NotFound.
	Department(ctx context.Context, code string) (Department, error)
	// Departments returns every department by code.
	Departments(ctx context.Context) ([]Department, error)
	// SaveCategory creates a category or replaces one with the same service code.
	// A new category and every change of its department are recorded with by and
	// reason. apperr Invalid for bad values, NotFound for an unknown department.
	SaveCategory(ctx context.Context, c Category, by Actor, reason string) (saved Category, created bool, err error)
	// Category returns one category, active or not; apperr NotFound.
	Category(ctx context.Context, code string) (Category, error)
	// Categories returns the categories by group and name; inactive ones only when all.
	Categories(ctx context.Context, all bool) ([]Category, error)
	// Routing returns the audited department changes of a category, oldest first.
	Routing(ctx context.Context, code string) ([]RoutingChange, error)
}
