import CBLAS

/// OpenBLAS thread count for the matrix products.
func openblasThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

/// The thread count OpenBLAS will use.
public var blasThreadCount: Int { Int(openblas_get_num_threads()) }
