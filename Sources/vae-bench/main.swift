// vae-bench: trains the reference protocol and prints throughput and quality.
//
//   vae-bench [--model vae|hvae] [--epochs N] [--threads N] [--seed N] [--batch N]
//             [--iwae-samples K] [--data DIR] [--precision float32|bf16] [--tape] [--lockstep] [--profile]
//
// --precision bf16: the training step's matrix products on bf16 inputs with float32
// accumulation (oneDNN; needs libdnnl2 and a CPU with AVX512-BF16); weights, Adam and
// evaluation stay float32.
//
// --profile (or VAE_PROFILE=1): print where the compiled step's time went after training.
//
// --lockstep (used by bench/compare.sh): print "ready" after setup, then wait for a line on
// stdin before each epoch and before the final evaluation, so that several frameworks can
// take turns on a shared machine and see the same background load.
//
// Reference protocol (the PyTorch example's VAE): Fashion-MNIST, continuous pixels,
// 784-400-20 ReLU, sigmoid output, loss = summed BCE + KL, Adam 1e-3, batch 128, 10 epochs,
// seed 1, 2 threads. `--model hvae`: encoder 784-400-32, 32-200-16; decoder 16-200-32, 32-400-784.
import Glibc
import VAE

struct Args {
    var model = "vae", epochs = 10, threads = 2, seed: UInt64 = 1, batch = 128, iwae = 100
    var data: String? = getenv("FASHION_MNIST_DIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }  // --data wins
    var tape = false
    var precision = Precision.float32
    var lockstep = false
    var profile = getenv("VAE_PROFILE") != nil
}

func usage(_ msg: String) -> Never {
    fputs("vae-bench: \(msg)\nusage: vae-bench [--model vae|hvae] [--epochs N] [--threads N] [--seed N] [--batch N] [--iwae-samples K] [--data DIR] [--precision float32|bf16] [--tape] [--lockstep] [--profile]\n", stderr)
    exit(2)
}

var args = Args()
var it = CommandLine.arguments.dropFirst().makeIterator()
while let a = it.next() {
    func value() -> String { guard let v = it.next() else { usage("\(a) needs a value") }; return v }
    func int() -> Int { guard let v = Int(value()), v >= 0 else { usage("\(a) needs a non-negative integer") }; return v }
    switch a {
    case "--model": args.model = value(); if !["vae", "hvae"].contains(args.model) { usage("unknown model \(args.model)") }
    case "--epochs": args.epochs = int()
    case "--threads": args.threads = max(1, int())
    case "--seed": args.seed = UInt64(int())
    case "--batch": args.batch = max(1, int())
    case "--iwae-samples": args.iwae = int()
    case "--data": args.data = value()
    case "--tape": args.tape = true
    case "--precision":
        let v = value()
        guard let p = Precision(rawValue: v) else { usage("unknown precision \(v) (float32 or bf16)") }
        args.precision = p
    case "--lockstep": args.lockstep = true
    case "--profile": args.profile = true
    case "-h", "--help": usage("help")
    default: usage("unknown argument \(a)")
    }
}

func f2(_ x: Double) -> String { String(Double((x * 100).rounded()) / 100) }

do {
    VAEEngine.setThreads(args.threads)
    VAEEngine.profileTraining = args.profile
    let train = try FashionMNIST.load(split: .train, directory: args.data)
    let test = try FashionMNIST.load(split: .test, directory: args.data)
    var rng = SeededGenerator(seed: args.seed)
    print("vae-bench \(VAEEngine.version): model \(args.model), \(args.epochs) epochs, batch \(args.batch), \(args.threads) BLAS threads, seed \(args.seed)")
    print("OpenBLAS kernels: \(VAEEngine.blasKernelChoice)")
    if args.precision == .bf16 {
        if let why = VAEEngine.bf16Unavailable { throw TrainingError.unsupported("--precision bf16 cannot run here: \(why)") }
        if args.tape { usage("--precision bf16 runs on the compiled step; the tape (--tape) trains in float32 only") }
    }
    print("precision: \(args.precision.rawValue)")
    func waitTurn() {
        guard args.lockstep else { return }
        _ = readLine()
    }
    // Process CPU time (all threads) per epoch: on a shared machine wall time depends on what
    // else runs; samples per CPU-second does much less.
    func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) * 1e-6
    }
    var cpuStart = 0.0, cpuTotal = 0.0
    func line(_ e: EpochMetrics) {
        let cpu = cpuSeconds() - cpuStart
        cpuTotal += cpu
        print("epoch \(e.epoch): train -ELBO \(f2(Double(e.negativeELBO))) (KL \(f2(Double(e.kl)))\(e.klPerLevel.count > 1 ? " per level " + e.klPerLevel.map { f2(Double($0)) }.joined(separator: ", ") : "")), \(f2(e.seconds)) s, cpu \(f2(cpu)) s, \(Int(e.samplesPerSecond)) samples/s")
        fflush(stdout)
    }
    var options = TrainingOptions(showProgress: !args.lockstep)
    options.precision = args.precision
    options.beforeEpoch = { _ in waitTurn(); cpuStart = cpuSeconds() }
    options.afterEpoch = line
    let model: any ImportanceWeightedModel = args.model == "vae"
        ? VAE(inputSize: 784, hiddenSize: 400, latentSize: 20, using: &rng)
        : HierarchicalVAE(inputSize: 784, hiddenSizes: [400, 200], latentSizes: [32, 16], using: &rng)
    let flopsPerSample = VAEEngine.trainingFLOPsPerSample(of: model)
    let shapes = VAEEngine.trainingStepShapes(of: model, batch: args.batch)
    // The same products alone, in this process: the bound a step made of them could reach (the
    // sampler, the loss, Adam and the barriers come on top). Best of 100 rounds before training
    // (in lockstep, while the other programs wait) and 100 after, so that one busy moment of the
    // machine does not lower it.
    func bound() -> (one: Double, all: Double) {
        (VAEEngine.sgemmThroughput(shapes, threads: 1, rounds: 100), VAEEngine.sgemmThroughput(shapes, threads: args.threads, rounds: 100))
    }
    let before = bound()
    if args.lockstep { print("ready"); fflush(stdout) }
    let report = args.tape
        ? try model.trainOnTape(on: train.images, epochs: args.epochs, batchSize: args.batch, learningRate: 1e-3, options: options, using: &rng)
        : try model.train(on: train.images, epochs: args.epochs, batchSize: args.batch, learningRate: 1e-3, options: options, using: &rng)
    waitTurn()
    let n = Double(train.count * report.epochs.count)
    let rate = n / max(report.seconds, 1e-9)
    let elbo = model.negativeELBO(on: test.images, using: &rng)
    let iwae = args.iwae > 0 ? model.iwae(on: test.images, samples: args.iwae, using: &rng) : .nan
    print("training threads: \(report.threads)")
    if args.precision == .bf16 { print("bf16 products: oneDNN \(VAEEngine.bf16Implementation ?? "?")") }
    print("samples/s: \(Int(rate))")
    print("s/epoch: \(f2(report.seconds / Double(max(report.epochs.count, 1))))")
    print("samples per CPU-second: \(Int(n / max(cpuTotal, 1e-9)))")
    print("GFLOP/s: \(f2(rate * flopsPerSample / 1e9)) (\(f2(flopsPerSample / 1e6)) MFLOP per sample)")
    let after = bound()
    let peak1 = max(before.one, after.one), peak2 = max(before.all, after.all)
    let perCPU = n / max(cpuTotal, 1e-9) * flopsPerSample / 1e9
    print("sgemm bound on the step's shapes: \(f2(peak1)) GFLOP/s on 1 thread, \(f2(peak2)) on \(args.threads)")
    if args.precision == .bf16 { print("(a bf16 step is measured against the float32 bound: above 100% is what bf16 buys)") }
    // The bound is a best of 200 rounds; the step's steady state is its median epoch after the
    // first (which also makes the kernels and probes the cores), as bench/compare.sh reports it.
    let epochRates = report.epochs.map(\.samplesPerSecond)
    let steady = (epochRates.count > 1 ? Array(epochRates.dropFirst()) : epochRates).sorted()
    let medianRate = steady.isEmpty ? rate : (steady[(steady.count - 1) / 2] + steady[steady.count / 2]) / 2
    func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }
    // The median full-batch step (the compiled step): the step's own speed, which neither the
    // first epoch's set-up nor a few steps interrupted by other processes move.
    let stepFraction = report.medianStepSeconds.map { percent(Double(args.batch) * flopsPerSample / $0 / 1e9 / peak2) + " (median step), " } ?? ""
    print("fraction of the sgemm bound: \(stepFraction)\(percent(medianRate * flopsPerSample / 1e9 / peak2)) (median epoch after the first), \(percent(rate * flopsPerSample / 1e9 / peak2)) over all epochs, all by the clock against the \(args.threads)-thread bound; \(percent(perCPU / peak1)) per CPU-second (\(f2(perCPU)) GFLOP per CPU-second vs 1-thread bound)")
    print("test -ELBO: \(f2(Double(elbo)))")
    print("test IWAE k=\(args.iwae): \(f2(Double(-iwae))) (as -log p(x))")
} catch {
    fputs("vae-bench: \(error)\n", stderr)
    exit(1)
}
