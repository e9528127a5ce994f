package forecast_test

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/ikomek/ikomek/internal/staffing/forecast"
)

// astana is the city's clock (UTC+5, no daylight saving).
var astana = time.FixedZone("UTC+5", 5*60*60)

// Synthetic history of the 109 line, shaped on the center's own figures
// (docs/staffing.md): about 400,000 calls a year; winter peak 06-08;
// summer peaks 10-12 and 16-19 and again 21-22.
const (
	yearlyCalls = 400_000
	// meanHandle is talk plus ticket entry and wrap-up per call.
	meanHandle = 270.0
)

// winterShape and summerShape weight the half-hours of a day.
func winterShape(h float64) float64 {
	switch {
	case h < 5:
		return 0.25
	case h < 6:
		return 1.2
	case h < 8:
		return 3.2
	case h < 9:
		return 2.0
	case h < 18:
		return 1.3
	case h < 22:
		return 0.9
	default:
		return 0.45
	}
}

func summerShape(h float64) float64 {
	switch {
	case h < 6:
		return 0.2
	case h < 10:
		return 0.8
	case h < 12:
		return 2.2
	case h < 16:
		return 1.3
	case h < 19:
		return 2.0
	case h < 21:
		return 1.2
	case h < 22:
		return 1.8
	default:
		return 0.5
	}
}

// winterness is 1 in winter months, 0 in summer months and ½ in between.
func winterness(m time.Month) float64 {
	switch m {
	case time.November, time.December, time.January, time.February, time.March:
		return 1
	case time.April, time.October:
		return 0.5
	}
	return 0
}

var weekdayFactor = [7]float64{1.12, 1.02, 1.0, 1.0, 0.98, 0.9, 0.86}

// history109 draws one year of half-hourly observations (2025) with a
// fixed seed: Poisson calls, handle seconds around meanHandle per call.
func history109() []forecast.Observation {
	rng := rand.New(rand.NewPCG(109, 2025))
	start := time.Date(2025, time.January, 1, 0, 0, 0, 0, astana)
	end := start.AddDate(1, 0, 0)
	// Normalise the shapes so the year adds up to yearlyCalls on average.
	type cell struct {
		at   time.Time
		mean float64
	}
	var cells []cell
	total := 0.0
	for t := start; t.Before(end); t = t.Add(30 * time.Minute) {
		h := float64(t.Hour()) + float64(t.Minute())/60
		w := winterness(t.Month())
		level := 0.85 + 0.3*w // winter brings more calls (heating, snow)
		shape := w*winterShape(h) + (1-w)*summerShape(h)
		m := level * shape * weekdayFactor[forecast.Weekday(t)]
		cells = append(cells, cell{t, m})
		total += m
	}
	var obs []forecast.Observation
	for _, c := range cells {
		calls := poisson(rng, c.mean*yearlyCalls/total)
		handle := 0.0
		if calls > 0 {
			handle = math.Max(0, float64(calls)*meanHandle*(1+0.15*rng.NormFloat64()/math.Sqrt(float64(calls))))
		}
		obs = append(obs, forecast.Observation{Start: c.at, Calls: float64(calls), HandleSeconds: math.Round(handle)})
	}
	return obs
}

// poisson draws by Knuth's product of uniforms (means here stay below 60).
func poisson(rng *rand.Rand, mean float64) int {
	limit := math.Exp(-mean)
	k, p := 0, rng.Float64()
	for p > limit {
		k++
		p *= rng.Float64()
	}
	return k
}
