using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/AutoLoRa.Bench -- --filter '*Gemm*'   (or *Conv*, *Fused*, *Step*)
// bench/run-suite.sh runs the short job of every suite and copies the Markdown tables to bench/results/.
BenchmarkSwitcher.FromAssembly(typeof(AutoLoRa.Bench.GemmBenchmarks).Assembly).Run(args);
