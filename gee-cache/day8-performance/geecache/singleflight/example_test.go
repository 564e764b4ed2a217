package singleflight_test

import (
	"fmt"

	"gee-cache/day8-performance/geecache/singleflight"
)

func ExampleGroup_Do() {
	var g singleflight.Group
	// Callers that ask for "Sam" while this call runs wait for it and
	// get the same result; after it returns, the next Do runs again.
	v, err := g.Do("Sam", func() (any, error) {
		fmt.Println("loading Sam")
		return "567", nil
	})
	fmt.Println(v, err)

	_, err = g.Do("Tom", func() (any, error) { panic("driver bug") })
	fmt.Println(err)
	// Output:
	// loading Sam
	// 567 <nil>
	// singleflight: function panicked: driver bug
}
