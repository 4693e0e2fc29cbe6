// convolution.h — the geometry of one 2-D cross-correlation and the algorithms the stand-in offers
// for each pass (convolution.cpp, algorithms.cpp).
#pragma once

#include "cudnn.h"

#include <vector>

namespace standin::dnn {

enum class Pass { Forward, BackwardData, BackwardFilter };

struct Geometry {
    int n, c, h, w;        // x
    int k, r, s;           // filter
    int oh, ow;            // y
    const Convolution* conv;
};

// Checks that the descriptors are live, set and agree with each other (y's shape is the output
// shape of x, filter and convolution); BAD_PARAM otherwise.
cudnnStatus_t geometry(void* x, void* filter, void* convolution, void* y, Geometry* out);

struct Algorithm {
    int algo;
    cudnnStatus_t status;  // NOT_SUPPORTED where the algorithm cannot run this geometry
    size_t workspace;
    bool deterministic;
};

// The algorithms of a pass in the heuristic's order (best first).
std::vector<Algorithm> algorithms(Pass pass, const Geometry& g);

// The algorithm `algo` of the pass: BAD_PARAM when the value is not an algorithm of the pass.
cudnnStatus_t find_algorithm(Pass pass, const Geometry& g, int algo, Algorithm* out);

} // namespace standin::dnn
