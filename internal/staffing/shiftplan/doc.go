// Package shiftplan chooses shifts that cover a per-period requirement of
// operators over a horizon of one to seven days with the fewest paid
// operator-hours, then places breaks inside the chosen shifts.
//
// The horizon wraps: the period after the last one of the last day is the
// first period of the first day, so a night shift that starts on Sunday
// evening also covers Monday morning, and a shift starting at 21:00 works
// for two days. Demand, shifts and coverage are indexed by day (0 = the
// first day of the demand, Monday in a weekly plan) and period of the day.
//
// Shift selection is the set-covering integer program
//
//	min Σ_j c_j·x_j  s.t.  Σ_j a_pj·x_j >= r_p (and <= seats),  0 <= x_j <= cap,  x_j integer
//
// with c_j the paid periods of candidate shift j and a_pj = 1 when it works
// in period p. It is solved by branch and bound over the LP relaxation; the
// LP bound is reported with the plan, so a plan stopped by its time or node
// limit still states how far from optimal it can be.
package shiftplan
