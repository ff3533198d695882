// Package trend keeps the downsampled history of one SLO series that the console draws: per
// step, the events received and the evaluation at the step's last emit, at two resolutions
// (by default a point a minute for a day and a point an hour for a month), each a bounded
// ring allocated only as it fills.
package trend
