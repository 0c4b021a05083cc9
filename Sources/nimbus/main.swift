import BuiltinPlugins
import NimbusDaemons
import NimbusKernel

await Nimbus.main(registry: .builtin())
