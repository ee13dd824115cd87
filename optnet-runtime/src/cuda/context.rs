//! The CUDA device context: driver probing, NVRTC compilation (once per process, kept on
//! disk between processes), module loading, and a pool of device buffers reused between
//! calls.

use crate::{Error, Specialization};
use cudarc::driver::sys::{CUdevice_attribute, CUfunction_attribute};
use cudarc::driver::{
    CudaContext, CudaEvent, CudaFunction, CudaModule, CudaSlice, CudaStream, DeviceRepr,
    DriverError, PinnedHostSlice, ValidAsZeroBits,
};
use cudarc::nvrtc::Ptx;
use std::collections::HashMap;
use std::ffi::CString;
use std::sync::{Arc, Mutex, OnceLock};

/// What the kernels' sources share (`struct Layout`, `with_dims`, the status codes, `IST`):
/// put before each of them, followed by a `#line 1` directive so that NVRTC's messages and the
/// line table name the source's own lines.
const COMMON: &str = include_str!("common.cuh");

/// A kernel source as NVRTC compiles it: [`COMMON`], the `#line 1` directive, the file.
macro_rules! with_common {
    ($file:literal) => {
        concat!(
            include_str!("common.cuh"),
            "#line 1 \"",
            $file,
            "\"\n",
            include_str!($file)
        )
    };
}

/// A source read at run time as [`with_common!`] puts one together at compile time.
fn after_common(name: &str, text: &str) -> String {
    format!("{COMMON}#line 1 \"{name}\"\n{text}")
}

/// The kernels' source, compiled at run time by NVRTC.
const SOURCE: &str = with_common!("pdipm.cu");

/// The source of the equilibration kernel ([`Build::Ruiz`]).
const RUIZ_SOURCE: &str = with_common!("ruiz.cu");

/// The source of the shared gradients' batch sums ([`Build::Sums`]).
const SUMS_SOURCE: &str = with_common!("sums.cu");

/// The solver's source NVRTC compiles: [`SOURCE`], or the file `$OPTNET_CUDA_SOURCE` names
/// after [`COMMON`], as `pdipm.cu` is (a kernel-development knob: one build times several
/// kernel variants on the GPU machine). The equilibration kernel is always [`RUIZ_SOURCE`]
/// ([`Build::source`]).
fn solver_source() -> Result<std::borrow::Cow<'static, str>, Error> {
    match std::env::var_os("OPTNET_CUDA_SOURCE") {
        Some(path) if !path.is_empty() => {
            let path = std::path::Path::new(&path);
            std::fs::read_to_string(path)
                .map(|text| {
                    let name = path.file_name().unwrap_or_default().to_string_lossy();
                    std::borrow::Cow::Owned(after_common(&name, &text))
                })
                .map_err(|e| {
                    Error::Cuda(format!(
                        "reading OPTNET_CUDA_SOURCE {}: {e}",
                        path.display()
                    ))
                })
        }
        _ => Ok(std::borrow::Cow::Borrowed(SOURCE)),
    }
}

/// Maps a driver error to [`Error::Cuda`], naming what was being done.
pub(crate) fn cuda_err(what: &str) -> impl Fn(DriverError) -> Error + '_ {
    move |e| {
        if e.0 == cudarc::driver::sys::cudaError_enum::CUDA_ERROR_OUT_OF_MEMORY {
            Error::Cuda(format!("out of device memory while {what}"))
        } else {
            Error::Cuda(format!("{what}: {e}"))
        }
    }
}

/// The forward and backward kernels of one precision.
#[derive(Debug)]
pub(crate) struct Kernels {
    pub(crate) forward: CudaFunction,
    pub(crate) backward: CudaFunction,
    /// f64: the same kernels for two blocks per multiprocessor (`pdipm2_f64`,
    /// `backward2_f64`; `None` in f32, or when a source from `OPTNET_CUDA_SOURCE` lacks them).
    pub(crate) forward2: Option<CudaFunction>,
    pub(crate) backward2: Option<CudaFunction>,
}

/// The two-block kernels (f64, `pdipm2_f64` and `backward2_f64`) of a module built for one
/// kind of problem ([`Build`]): a narrow module's or the K-global module's.
#[derive(Debug)]
pub(crate) struct TwoBlockKernels {
    pub(crate) forward: CudaFunction,
    pub(crate) backward: CudaFunction,
}

impl TwoBlockKernels {
    /// The backward kernel if `backward`, else the forward one.
    pub(crate) fn pass(&self, backward: bool) -> &CudaFunction {
        if backward {
            &self.backward
        } else {
            &self.forward
        }
    }
}

/// Which build of a precision's kernels a module holds (each is compiled on first use and
/// kept on disk under its own options).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Build {
    /// Every kernel of the precision, at [`super::threads`] threads per block.
    Default,
    /// f64, only the two-block kernels, at [`super::NARROW_THREADS`] threads per block with
    /// launch bounds for this many (2 or 4) blocks per multiprocessor (`-DOPTNET_NARROW=B`):
    /// large batches of small problems.
    Narrow(u32),
    /// f64, only the two-block kernels, with the reduced KKT matrix in device memory (in the
    /// example's record of `fac`) instead of shared memory, at [`super::kglobal_threads`]
    /// threads per block with launch bounds for one block per multiprocessor
    /// (`-DOPTNET_KGLOBAL`): problems whose matrix does not fit shared memory.
    KGlobal,
    /// The Ruiz equilibration kernel (`ruiz.cu`, a source of its own) at
    /// [`super::ruiz_threads`] threads per block: batches solved with
    /// `Settings::equilibrate`.
    Ruiz,
    /// The batch sums of a shared array's gradient (`sums.cu`, a source of its own) at
    /// [`super::SUMS_THREADS`] threads per block.
    Sums,
    /// f64, every kernel of [`Build::Default`], compiled for one shape: its dimensions are
    /// constants of the module (`-DOPTNET_DIMS`), not values read from the launch's layout.
    Shape(Dims),
    /// [`Build::Narrow`] compiled for one shape, as [`Build::Shape`].
    NarrowShape(u32, Dims),
    /// [`Build::Ruiz`] compiled for one shape, as [`Build::Shape`].
    RuizShape(Dims),
}

/// A narrow module's blocks per multiprocessor (4, else 2) and its slot among a context's two.
fn narrow_slot(blocks: u32) -> (u32, usize) {
    if blocks == 4 {
        (4, 1)
    } else {
        (2, 0)
    }
}

/// A problem shape as a specialized module ([`Build::Shape`]) is compiled for it: n, m, p and
/// the layout's N = n + m, leading dimension of K and vector stride. Launched only for
/// layouts of exactly this shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Dims {
    pub(crate) n: i32,
    pub(crate) m: i32,
    pub(crate) p: i32,
    pub(crate) big_n: i32,
    pub(crate) ld: i32,
    pub(crate) v: i32,
}

/// At most this many shapes get a specialized module per context (each is a compile, and a
/// module of about 7 MB on the device); later shapes take the generic one.
pub(crate) const SHAPES: usize = 8;

/// One shape's specialized modules, each compiled and loaded on first use.
#[derive(Default)]
struct ShapeModules {
    /// The default module's kernels ([`Build::Shape`]).
    kernels: OnceLock<Result<Kernels, Error>>,
    /// The narrow modules' ([`Build::NarrowShape`]), for two and for four blocks per
    /// multiprocessor.
    narrow: [OnceLock<Result<TwoBlockKernels, Error>>; 2],
    /// The equilibration kernel (f64, [`Build::RuizShape`]).
    ruiz: OnceLock<Result<CudaFunction, Error>>,
}

impl ShapeModules {
    /// Whether the solver's module or a narrow one is loaded.
    fn loaded(&self) -> bool {
        self.kernels.get().is_some_and(|k| k.is_ok())
            || self
                .narrow
                .iter()
                .any(|c| c.get().is_some_and(|k| k.is_ok()))
    }
}

impl Build {
    /// The source file's stem: NVRTC's program name and the disk cache's file prefix.
    fn stem(self) -> &'static str {
        match self {
            Build::Ruiz | Build::RuizShape(_) => "ruiz",
            Build::Sums => "sums",
            _ => "pdipm",
        }
    }

    /// The source NVRTC compiles: [`RUIZ_SOURCE`] for the equilibration kernel, the solver's
    /// ([`solver_source`]) for every other build.
    fn source(self) -> Result<std::borrow::Cow<'static, str>, Error> {
        match self {
            Build::Ruiz | Build::RuizShape(_) => Ok(std::borrow::Cow::Borrowed(RUIZ_SOURCE)),
            Build::Sums => Ok(std::borrow::Cow::Borrowed(SUMS_SOURCE)),
            _ => solver_source(),
        }
    }
}

/// Device buffers of one element type, kept for reuse: a training loop that solves batches
/// of the same size every step allocates only on its first step.
#[derive(Debug)]
pub(crate) struct Pool<E> {
    free: Mutex<Vec<CudaSlice<E>>>,
}

impl<E> Default for Pool<E> {
    fn default() -> Self {
        Pool {
            free: Mutex::new(Vec::new()),
        }
    }
}

/// At most this many idle buffers of one type are kept.
const POOL_KEEP: usize = 16;

/// A device buffer on loan from a [`Pool`]; it goes back when dropped.
pub(crate) struct Pooled<E: DeviceRepr> {
    buf: Option<CudaSlice<E>>,
    pool: Arc<Pools>,
    give_back: fn(&Pools) -> &Pool<E>,
}

impl<E: DeviceRepr> Pooled<E> {
    pub(crate) fn slice(&self) -> &CudaSlice<E> {
        // Invariant: `buf` is `Some` until drop.
        self.buf.as_ref().unwrap_or_else(|| unreachable!())
    }
    pub(crate) fn slice_mut(&mut self) -> &mut CudaSlice<E> {
        self.buf.as_mut().unwrap_or_else(|| unreachable!())
    }
}

impl<E: DeviceRepr> Drop for Pooled<E> {
    fn drop(&mut self) {
        if let Some(b) = self.buf.take() {
            let pool = (self.give_back)(&self.pool);
            if let Ok(mut free) = pool.free.lock() {
                if free.len() < POOL_KEEP {
                    free.push(b);
                }
            }
        }
    }
}

impl<E: DeviceRepr> std::fmt::Debug for Pooled<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pooled")
            .field("len", &self.buf.as_ref().map_or(0, |b| b.len()))
            .finish()
    }
}

/// A page-locked host buffer kept between calls and grown when too small: uploads are packed
/// into one (write-combined: the host only writes it), results are downloaded into another
/// (cached: the host reads it). A fresh pageable buffer every call costs page faults and the
/// driver's staging copy, which made uploads run at about 1 GB/s; and only copies from and to
/// page-locked memory run asynchronously, beside the kernels.
#[derive(Debug)]
pub(crate) struct Staging<E> {
    buf: Mutex<Option<PinnedHostSlice<E>>>,
    write_combined: bool,
}

impl<E> Staging<E> {
    fn new(write_combined: bool) -> Self {
        Staging {
            buf: Mutex::new(None),
            write_combined,
        }
    }
}

/// A [`Staging`] buffer locked for one call, at least `len` elements long.
pub(crate) struct StagingGuard<'a, E> {
    guard: std::sync::MutexGuard<'a, Option<PinnedHostSlice<E>>>,
    len: usize,
}

impl<E: ValidAsZeroBits> StagingGuard<'_, E> {
    /// The buffer's first `len` elements. Copies from and to it are asynchronous: the caller
    /// waits for them (an event, a stream) before it rewrites or reads what they touch, and
    /// before the guard is dropped.
    pub(crate) fn host(&mut self) -> Result<&mut [E], Error> {
        let len = self.len;
        let Some(b) = self.guard.as_mut() else {
            unreachable!("allocated by Context::staging")
        };
        Ok(&mut b
            .as_mut_slice()
            .map_err(cuda_err("waiting for a staging buffer"))?[..len])
    }
}

/// The pools of every element type the kernels use, and the staging buffers of uploads
/// (`stage_*`) and downloads (`down_*`).
#[derive(Debug)]
pub(crate) struct Pools {
    pub(crate) f64: Pool<f64>,
    pub(crate) f32: Pool<f32>,
    pub(crate) i32: Pool<i32>,
    pub(crate) stage_f64: Staging<f64>,
    pub(crate) stage_f32: Staging<f32>,
    pub(crate) down_f64: Staging<f64>,
    pub(crate) down_f32: Staging<f32>,
    pub(crate) down_i32: Staging<i32>,
}

impl Default for Pools {
    fn default() -> Self {
        Pools {
            f64: Pool::default(),
            f32: Pool::default(),
            i32: Pool::default(),
            stage_f64: Staging::new(true),
            stage_f32: Staging::new(true),
            down_f64: Staging::new(false),
            down_f32: Staging::new(false),
            down_i32: Staging::new(false),
        }
    }
}

/// Compute streams of a context: the chunks of a forward call run on them in turn, so that
/// the blocks of one chunk's kernel fill the multiprocessors that the previous chunks' last
/// blocks leave idle (a stream runs its kernels one after another). Eight: the hardware's
/// queues (`CUDA_DEVICE_MAX_CONNECTIONS`, 8 by default), beyond which streams share a queue
/// and wait for each other's kernels anyway. `OPTNET_CUDA_LANES=K` (1 to 8, an experiment
/// knob read once per process) sets another count.
fn lanes() -> usize {
    static L: OnceLock<usize> = OnceLock::new();
    *L.get_or_init(|| {
        std::env::var("OPTNET_CUDA_LANES")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|k| (1..=8).contains(k))
            .unwrap_or(8)
    })
}

/// A CUDA device with its streams, compiled kernels and buffer pools.
///
/// cudarc's automatic ordering of buffers between streams is off (it would order a chunk's
/// upload after the previous chunk's kernel, which reads the same buffer): every call orders
/// its work itself with events, and waits for all of it before it returns.
pub(crate) struct Context {
    pub(crate) ctx: Arc<CudaContext>,
    /// The first compute stream (`lanes[0]`): allocations, the backward pass, timing.
    pub(crate) stream: Arc<CudaStream>,
    /// The compute streams ([`lanes`]), `stream` first.
    pub(crate) lanes: Vec<Arc<CudaStream>>,
    /// The stream of uploads (host to device), beside the kernels.
    pub(crate) copy: Arc<CudaStream>,
    /// Largest dynamic shared memory a block may opt in to, in bytes.
    pub(crate) smem_max: usize,
    /// Multiprocessors of the device.
    pub(crate) sm_count: usize,
    cc: (i32, i32),
    f64: OnceLock<Result<Kernels, Error>>,
    f32: OnceLock<Result<Kernels, Error>>,
    /// The narrow modules with launch bounds for two and for four blocks per multiprocessor.
    narrow: [OnceLock<Result<TwoBlockKernels, Error>>; 2],
    /// The K-global module.
    kglobal: OnceLock<Result<TwoBlockKernels, Error>>,
    /// [`Specialization::PerShape`]: set by `Solver::with_cuda_specialization`.
    per_shape: std::sync::atomic::AtomicBool,
    /// The shapes asked for (at most [`SHAPES`]), in that order, and their specialized
    /// modules (the same index).
    shape_dims: Mutex<Vec<Dims>>,
    shapes: [ShapeModules; SHAPES],
    /// The equilibration kernels (f64, f32).
    ruiz: [OnceLock<Result<CudaFunction, Error>>; 2],
    /// The batch-sum kernels (f64, f32): the splits' partial sums and their total.
    sums: [OnceLock<Result<(CudaFunction, CudaFunction), Error>>; 2],
    pub(crate) pools: Arc<Pools>,
    /// Kernel times of the last forward and backward launches, in ms (CUDA events).
    pub(crate) last_ms: Mutex<(f32, f32)>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("ordinal", &self.ctx.ordinal())
            .field("compute_capability", &self.cc)
            .field("smem_max", &self.smem_max)
            .field("sm_count", &self.sm_count)
            .finish()
    }
}

/// Whether the CUDA driver and NVRTC libraries can be loaded (cudarc panics on first use
/// otherwise).
fn libraries_present() -> Result<(), Error> {
    // SAFETY: only tries to dlopen the driver library; no CUDA call is made.
    if !unsafe { cudarc::driver::sys::is_culib_present() } {
        return Err(Error::Cuda(
            "no CUDA driver found (libcuda.so could not be loaded)".into(),
        ));
    }
    // SAFETY: only tries to dlopen the NVRTC library.
    if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        return Err(Error::Cuda(
            "NVRTC not found (libnvrtc.so could not be loaded); install the CUDA toolkit's NVRTC"
                .into(),
        ));
    }
    Ok(())
}

impl Context {
    /// Opens device `ordinal`. Fails with [`Error::Cuda`] when there is no driver, no such
    /// device, or the device cannot be initialized.
    pub(crate) fn new(ordinal: usize) -> Result<Context, Error> {
        libraries_present()?;
        let count = CudaContext::device_count().map_err(cuda_err("counting devices"))?;
        if ordinal >= count.max(0) as usize {
            return Err(Error::Cuda(format!(
                "no CUDA device with ordinal {ordinal} ({count} present)"
            )));
        }
        let ctx = CudaContext::new(ordinal).map_err(cuda_err("creating the context"))?;
        // SAFETY: turned off before this context makes any buffer; the calls of this module
        // order their work between streams with events and wait for it before returning,
        // so no buffer is freed, reused or read while another stream still uses it.
        unsafe { ctx.disable_event_tracking() };
        let new_stream = || ctx.new_stream().map_err(cuda_err("creating a stream"));
        let lanes = (0..lanes())
            .map(|_| new_stream())
            .collect::<Result<Vec<_>, _>>()?;
        let stream = lanes[0].clone();
        let copy = new_stream()?;
        let cc = ctx
            .compute_capability()
            .map_err(cuda_err("reading the compute capability"))?;
        let smem_max = ctx
            .attribute(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)
            .map_err(cuda_err("reading the shared memory limit"))?
            .max(0) as usize;
        let sm_count = ctx
            .attribute(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
            .map_err(cuda_err("reading the multiprocessor count"))?
            .max(1) as usize;
        Ok(Context {
            ctx,
            stream,
            lanes,
            copy,
            smem_max,
            sm_count,
            cc,
            f64: OnceLock::new(),
            f32: OnceLock::new(),
            narrow: [OnceLock::new(), OnceLock::new()],
            kglobal: OnceLock::new(),
            per_shape: std::sync::atomic::AtomicBool::new(
                super::default_specialization() == Specialization::PerShape,
            ),
            shape_dims: Mutex::new(Vec::new()),
            shapes: Default::default(),
            ruiz: [OnceLock::new(), OnceLock::new()],
            sums: [OnceLock::new(), OnceLock::new()],
            pools: Arc::new(Pools::default()),
            last_ms: Mutex::new((0.0, 0.0)),
        })
    }

    /// The kernels for `f64` (`double`) or `f32`, compiled and loaded on first use.
    pub(crate) fn kernels(&self, double: bool) -> Result<&Kernels, Error> {
        let cell = if double { &self.f64 } else { &self.f32 };
        cell.get_or_init(|| self.load(double, Build::Default))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// How this context specializes its kernels ([`Specialization`]).
    pub(crate) fn specialization(&self) -> Specialization {
        if self.per_shape.load(std::sync::atomic::Ordering::Relaxed) {
            Specialization::PerShape
        } else {
            Specialization::Off
        }
    }

    /// Sets [`Context::specialization`].
    pub(crate) fn set_specialization(&self, mode: Specialization) {
        self.per_shape.store(
            mode == Specialization::PerShape,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// The shapes (n, m, p) with a specialized module loaded (the default module's or a narrow
    /// one's), in the order they were met.
    pub(crate) fn specialized_shapes(&self) -> Vec<(usize, usize, usize)> {
        let Ok(dims) = self.shape_dims.lock() else {
            return Vec::new();
        };
        dims.iter()
            .zip(&self.shapes)
            .filter(|(_, s)| s.loaded())
            .map(|(d, _)| (d.n as usize, d.m as usize, d.p as usize))
            .collect()
    }

    /// The f64 kernels specialized for `dims` ([`Build::Shape`]), compiled (or read from the
    /// disk cache) and loaded on the shape's first call; `None` once [`SHAPES`] other shapes
    /// have theirs.
    pub(crate) fn shape_kernels(&self, dims: Dims) -> Option<Result<&Kernels, Error>> {
        let i = self.shape_index(dims)?;
        let k = self.shapes[i]
            .kernels
            .get_or_init(|| self.load(true, Build::Shape(dims)));
        Some(k.as_ref().map_err(Clone::clone))
    }

    /// [`Context::narrow`]'s kernels specialized for `dims` ([`Build::NarrowShape`]), as
    /// [`Context::shape_kernels`].
    pub(crate) fn narrow_shape(
        &self,
        blocks: u32,
        dims: Dims,
    ) -> Option<Result<&TwoBlockKernels, Error>> {
        let (blocks, slot) = narrow_slot(blocks);
        let i = self.shape_index(dims)?;
        let k = self.shapes[i].narrow[slot]
            .get_or_init(|| self.two_block_module(Build::NarrowShape(blocks, dims)));
        Some(k.as_ref().map_err(Clone::clone))
    }

    /// `dims`' index among the known shapes ([`Context::entry`]).
    fn shape_index(&self, dims: Dims) -> Option<usize> {
        let mut known = self.shape_dims.lock().ok()?;
        Self::entry(&mut known, dims)
    }

    /// The index of `dims` among the known shapes, added if it is new and fewer than
    /// [`SHAPES`] are known.
    fn entry(known: &mut Vec<Dims>, dims: Dims) -> Option<usize> {
        match known.iter().position(|&d| d == dims) {
            Some(i) => Some(i),
            None if known.len() < SHAPES => {
                known.push(dims);
                Some(known.len() - 1)
            }
            None => None,
        }
    }

    /// The two-block kernels (f64) of the narrow module with launch bounds for `blocks` (2 or
    /// 4) blocks per multiprocessor, compiled and loaded on first use: only a large batch of a
    /// small problem asks for them (`mod.rs`, `two_block`).
    pub(crate) fn narrow(&self, blocks: u32) -> Result<&TwoBlockKernels, Error> {
        let (blocks, slot) = narrow_slot(blocks);
        self.narrow[slot]
            .get_or_init(|| self.two_block_module(Build::Narrow(blocks)))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The two-block kernels (f64) of the K-global module, compiled and loaded on first use:
    /// only a problem whose reduced KKT matrix does not fit shared memory asks for them.
    pub(crate) fn kglobal(&self) -> Result<&TwoBlockKernels, Error> {
        self.kglobal
            .get_or_init(|| self.two_block_module(Build::KGlobal))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The batch-sum kernel for `f64` (`double`) or `f32` (`sums.cu`), compiled and loaded on
    /// first use: only the backward pass of a batch with a shared Q, A or G asks for it.
    pub(crate) fn sums(&self, double: bool) -> Result<&(CudaFunction, CudaFunction), Error> {
        self.sums[usize::from(!double)]
            .get_or_init(|| {
                let module = self.module(double, Build::Sums)?;
                let t = if double { "f64" } else { "f32" };
                let load = |name: String| {
                    module
                        .load_function(&name)
                        .map_err(cuda_err("finding a batch-sum kernel"))
                };
                Ok((load(format!("sums_{t}"))?, load(format!("sums_total_{t}"))?))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The equilibration kernel for `f64` (`double`) or `f32` (`ruiz.cu`), compiled and
    /// loaded on first use.
    pub(crate) fn ruiz(&self, double: bool) -> Result<&CudaFunction, Error> {
        self.ruiz[usize::from(!double)]
            .get_or_init(|| self.ruiz_module(double, Build::Ruiz))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The f64 equilibration kernel specialized for `dims` ([`Build::RuizShape`]), as
    /// [`Context::shape_kernels`].
    pub(crate) fn ruiz_shape(&self, dims: Dims) -> Option<Result<&CudaFunction, Error>> {
        let i = self.shape_index(dims)?;
        let k = self.shapes[i]
            .ruiz
            .get_or_init(|| self.ruiz_module(true, Build::RuizShape(dims)));
        Some(k.as_ref().map_err(Clone::clone))
    }

    /// The equilibration kernel of a module built from `ruiz.cu`.
    fn ruiz_module(&self, double: bool, build: Build) -> Result<CudaFunction, Error> {
        let module = self.module(double, build)?;
        let name = if double { "ruiz_f64" } else { "ruiz_f32" };
        let f = module
            .load_function(name)
            .map_err(cuda_err("finding the equilibration kernel"))?;
        self.raise(f)
    }

    /// The two-block kernels of an f64 module that holds only them.
    fn two_block_module(&self, build: Build) -> Result<TwoBlockKernels, Error> {
        let module = self.module(true, build)?;
        let get = |name: &str| -> Result<CudaFunction, Error> {
            let f = module.load_function(name).map_err(cuda_err(match build {
                Build::KGlobal => "finding a kernel of the K-global module",
                _ => "finding a kernel of the narrow module",
            }))?;
            self.two_block_attributes(f)
        };
        Ok(TwoBlockKernels {
            forward: get("pdipm2_f64")?,
            backward: get("backward2_f64")?,
        })
    }

    /// The module of one precision (`double`) and build, loaded into this context.
    fn module(&self, double: bool, build: Build) -> Result<Arc<CudaModule>, Error> {
        let cubin = compiled(self.cc, double, build)?;
        self.ctx
            .load_module(Ptx::from_binary(cubin.as_ref().clone()))
            .map_err(cuda_err("loading the kernels"))
    }

    /// Raises a kernel's shared memory limit to the device's opt-in maximum.
    fn raise(&self, f: CudaFunction) -> Result<CudaFunction, Error> {
        f.set_attribute(
            CUfunction_attribute::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
            self.smem_max as i32,
        )
        .map_err(cuda_err("raising the kernel's shared memory limit"))?;
        Ok(f)
    }

    /// A two-block kernel's attributes: the raised shared memory limit and the largest
    /// shared-memory carveout, so that several blocks' shared memory fits side by side.
    fn two_block_attributes(&self, f: CudaFunction) -> Result<CudaFunction, Error> {
        let f = self.raise(f)?;
        f.set_attribute(
            CUfunction_attribute::CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT,
            100,
        )
        .map_err(cuda_err("setting the kernel's shared memory carveout"))?;
        Ok(f)
    }

    /// Every kernel of a precision's module: [`Build::Default`], or [`Build::Shape`] (f64).
    fn load(&self, double: bool, build: Build) -> Result<Kernels, Error> {
        let module = self.module(double, build)?;
        let suffix = if double { "f64" } else { "f32" };
        let get = |name: &str| -> Result<CudaFunction, Error> {
            let f = module
                .load_function(&format!("{name}_{suffix}"))
                .map_err(cuda_err("finding a kernel"))?;
            self.raise(f)
        };
        // The two-block kernels (looked up once; absent: `None`).
        let get2 = |name: &str| -> Result<Option<CudaFunction>, Error> {
            if !double {
                return Ok(None);
            }
            let Ok(f) = module.load_function(&format!("{name}_{suffix}")) else {
                return Ok(None);
            };
            self.two_block_attributes(f).map(Some)
        };
        Ok(Kernels {
            forward: get("pdipm")?,
            backward: get("backward")?,
            forward2: get2("pdipm2")?,
            backward2: get2("backward2")?,
        })
    }

    /// The staging buffer `which`, locked for the caller and at least `len` elements long
    /// (grown, and zeroed, when shorter).
    pub(crate) fn staging<E: DeviceRepr + ValidAsZeroBits>(
        &self,
        which: fn(&Pools) -> &Staging<E>,
        len: usize,
    ) -> Result<StagingGuard<'_, E>, Error> {
        let staging = which(&self.pools);
        let mut guard = staging
            .buf
            .lock()
            .map_err(|_| Error::Cuda("a staging buffer's lock is poisoned".into()))?;
        if guard.as_ref().is_none_or(|b| b.len() < len) {
            // Free the old buffer first; leave room to grow a little, so batches of slowly
            // rising size do not reallocate.
            *guard = None;
            let cap = len.max(1) + len / 4;
            let flags = if staging.write_combined {
                cudarc::driver::sys::CU_MEMHOSTALLOC_WRITECOMBINED
            } else {
                0
            };
            // SAFETY: the memory is uninitialized; it is zeroed below before any reference
            // to it is made.
            let mut b = unsafe { self.ctx.alloc_pinned_with_flags::<E>(cap, flags) }
                .map_err(cuda_err("allocating page-locked host memory"))?;
            let ptr = b
                .as_mut_ptr()
                .map_err(cuda_err("allocating page-locked host memory"))?;
            // SAFETY: `ptr` points to `cap` elements just allocated and owned by `b`; all-zero
            // bytes are a valid `E` (`ValidAsZeroBits`).
            unsafe { std::ptr::write_bytes(ptr, 0, cap) };
            *guard = Some(b);
        }
        Ok(StagingGuard { guard, len })
    }

    /// A fresh event: with timing (`timing`) or without (cheaper, for ordering only).
    pub(crate) fn event(&self, timing: bool) -> Result<CudaEvent, Error> {
        use cudarc::driver::sys::CUevent_flags;
        self.ctx
            .new_event(Some(if timing {
                CUevent_flags::CU_EVENT_DEFAULT
            } else {
                CUevent_flags::CU_EVENT_DISABLE_TIMING
            }))
            .map_err(cuda_err("creating an event"))
    }

    /// Waits for everything queued on this context's streams (after a failed call, so that
    /// no copy or kernel still uses a buffer that goes back to its pool).
    pub(crate) fn settle(&self) {
        for s in self.lanes.iter().chain([&self.copy]) {
            let _ = s.synchronize();
        }
    }

    /// A device buffer of at least `len` elements (contents unspecified) from the pool.
    pub(crate) fn take<E: DeviceRepr + ValidAsZeroBits>(
        &self,
        len: usize,
        which: fn(&Pools) -> &Pool<E>,
    ) -> Result<Pooled<E>, Error> {
        let len = len.max(1);
        let pool = which(&self.pools);
        let found = pool.free.lock().ok().and_then(|mut free| {
            let best = free
                .iter()
                .enumerate()
                .filter(|(_, b)| b.len() >= len)
                .min_by_key(|(_, b)| b.len())
                .map(|(i, _)| i)?;
            Some(free.swap_remove(best))
        });
        let buf = match found {
            Some(b) => b,
            None => self
                .stream
                .alloc_zeros::<E>(len)
                .map_err(cuda_err(&format!(
                    "allocating {} bytes",
                    len * std::mem::size_of::<E>()
                )))?,
        };
        Ok(Pooled {
            buf: Some(buf),
            pool: self.pools.clone(),
            give_back: which,
        })
    }
}

/// The compiled kernels (CUBIN) for a compute capability, precision and build: NVRTC runs
/// once per process for each.
fn compiled(cc: (i32, i32), double: bool, build: Build) -> Result<Arc<Vec<u8>>, Error> {
    type Cell = Arc<OnceLock<Result<Arc<Vec<u8>>, Error>>>;
    type Cubins = Mutex<HashMap<(i32, i32, bool, Build), Cell>>;
    static CUBINS: OnceLock<Cubins> = OnceLock::new();
    // The map's lock is held only to find the build's cell: a compile (tens of seconds) holds
    // up only callers of the same build (two solvers on two threads compiling for two shapes
    // do not wait for each other).
    let cell = CUBINS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .map_err(|_| Error::Cuda("the kernel cache lock was poisoned".into()))?
        .entry((cc.0, cc.1, double, build))
        .or_default()
        .clone();
    cell.get_or_init(|| compile_or_read(cc, double, build))
        .clone()
}

/// A module's CUBIN from the disk cache, else compiled by NVRTC and stored there.
fn compile_or_read(cc: (i32, i32), double: bool, build: Build) -> Result<Arc<Vec<u8>>, Error> {
    let src = build.source()?;
    let path = cache_path(&src, cc, double, build);
    let cubin = match path.as_deref().and_then(|p| std::fs::read(p).ok()) {
        // A CUBIN is an ELF file; anything else (a torn write) is compiled again.
        Some(bytes) if bytes.starts_with(b"\x7fELF") => bytes,
        _ => {
            let bytes = nvrtc_compile(&src, cc, double, build)?;
            if let Some(p) = &path {
                store(p, &bytes);
            }
            bytes
        }
    };
    Ok(Arc::new(cubin))
}

/// Where the compiled kernels are kept between processes (NVRTC takes tens of seconds):
/// `$OPTNET_CUDA_CACHE` if set (empty or `off`: no disk cache), else
/// `$XDG_CACHE_HOME/optnet`, else `$HOME/.cache/optnet`. The file name holds a hash of the
/// source, the NVRTC options and NVRTC's version, so a changed kernel is never read stale.
fn cache_path(src: &str, cc: (i32, i32), double: bool, build: Build) -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    let dir = match std::env::var_os("OPTNET_CUDA_CACHE") {
        Some(d) if d.is_empty() || d == "off" => return None,
        Some(d) => PathBuf::from(d),
        None => match std::env::var_os("XDG_CACHE_HOME") {
            Some(x) if !x.is_empty() => PathBuf::from(x).join("optnet"),
            _ => PathBuf::from(std::env::var_os("HOME")?).join(".cache/optnet"),
        },
    };
    let (mut major, mut minor) = (0i32, 0i32);
    // SAFETY: two valid out-pointers; NVRTC is loaded (checked before any compile).
    let _ = unsafe { cudarc::nvrtc::sys::nvrtcVersion(&mut major, &mut minor) };
    // FNV-1a: stable across Rust versions and runs, unlike std's hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let key = format!("{:?}|{major}.{minor}", nvrtc_options(cc, double, build));
    for b in src.bytes().chain(key.bytes()) {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    let prec = if double { "f64" } else { "f32" };
    let name = build.stem();
    Some(dir.join(format!("{name}-{h:016x}-sm{}{}-{prec}.cubin", cc.0, cc.1)))
}

/// Writes a compiled module to the disk cache, best effort (a read-only home only costs
/// the next process a compile): a temporary file renamed into place, so a reader never
/// sees half a file.
fn store(path: &std::path::Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// NVRTC's options for a compute capability, precision and build: a narrow module
/// (`-DOPTNET_NARROW=B`) at [`super::NARROW_THREADS`] threads per block, the K-global module
/// (`-DOPTNET_KGLOBAL`) at [`super::kglobal_threads`], a specialized one with its shape
/// (`-DOPTNET_DIMS` and the dimensions, after the build's own options); for
/// `OPTNET_CUDA_PROFILE` phases, the profiling build (`-DOPTNET_PROFILE`: the kernel's phase
/// timers).
fn nvrtc_options(cc: (i32, i32), double: bool, build: Build) -> Vec<String> {
    let threads = match build {
        Build::Narrow(_) | Build::NarrowShape(..) => super::NARROW_THREADS,
        Build::Default | Build::Shape(_) => super::threads(),
        Build::KGlobal => super::kglobal_threads(),
        Build::Ruiz | Build::RuizShape(_) => super::ruiz_threads(),
        Build::Sums => super::SUMS_THREADS,
    };
    let mut opts = vec![
        format!("-DNT={threads}"),
        format!("--gpu-architecture=sm_{}{}", cc.0, cc.1),
        "-std=c++17".to_string(),
        "-lineinfo".to_string(),
        if double {
            "-DOPTNET_F64"
        } else {
            "-DOPTNET_F32"
        }
        .to_string(),
    ];
    match build {
        Build::Default | Build::Ruiz | Build::Sums | Build::Shape(_) | Build::RuizShape(_) => {}
        Build::Narrow(blocks) | Build::NarrowShape(blocks, _) => {
            opts.push(format!("-DOPTNET_NARROW={blocks}"))
        }
        Build::KGlobal => opts.push("-DOPTNET_KGLOBAL".to_string()),
    }
    if let Build::Shape(d) | Build::NarrowShape(_, d) | Build::RuizShape(d) = build {
        opts.extend([
            "-DOPTNET_DIMS".to_string(),
            format!("-DOPTNET_DIM_N={}", d.n),
            format!("-DOPTNET_DIM_M={}", d.m),
            format!("-DOPTNET_DIM_P={}", d.p),
            format!("-DOPTNET_DIM_NN={}", d.big_n),
            format!("-DOPTNET_DIM_LD={}", d.ld),
            format!("-DOPTNET_DIM_V={}", d.v),
        ]);
    }
    if super::profiling() == super::Profile::Phases
        && !matches!(build, Build::Ruiz | Build::RuizShape(_) | Build::Sums)
    {
        opts.push("-DOPTNET_PROFILE".to_string());
    }
    opts
}

/// Compiles `src` (the kernels' source, [`Build::source`]) to a CUBIN for `sm_{major}{minor}`.
fn nvrtc_compile(src: &str, cc: (i32, i32), double: bool, build: Build) -> Result<Vec<u8>, Error> {
    use cudarc::nvrtc::{result, sys};
    let src =
        CString::new(src).map_err(|_| Error::Cuda("kernel source contains a NUL byte".into()))?;
    let name = CString::new(format!("{}.cu", build.stem()))
        .map_err(|_| Error::Cuda("bad program name".into()))?;
    let prog = result::create_program(&src, Some(&name))
        .map_err(|e| Error::Cuda(format!("NVRTC could not create the program: {e:?}")))?;
    let opts = nvrtc_options(cc, double, build);
    // SAFETY: `prog` was just created and is destroyed exactly once below.
    let compiled = unsafe { result::compile_program(prog, &opts) };
    let out = match compiled {
        Err(e) => {
            // SAFETY: `prog` is alive.
            let log = unsafe { result::get_program_log(prog) }
                .map(|l| {
                    let bytes: Vec<u8> =
                        l.iter().map(|&c| c as u8).take_while(|&c| c != 0).collect();
                    String::from_utf8_lossy(&bytes).into_owned()
                })
                .unwrap_or_default();
            Err(Error::Cuda(format!(
                "NVRTC failed to compile the kernels for sm_{}{} ({e:?}): {log}",
                cc.0, cc.1
            )))
        }
        Ok(()) => {
            let mut size = 0usize;
            // SAFETY: `prog` compiled successfully; `size` is a valid out-pointer.
            let rc = unsafe { sys::nvrtcGetCUBINSize(prog, &mut size) };
            if rc != sys::nvrtcResult::NVRTC_SUCCESS {
                Err(Error::Cuda(format!("NVRTC: no CUBIN ({rc:?})")))
            } else {
                let mut buf = vec![0u8; size];
                // SAFETY: `buf` holds exactly `size` bytes, as NVRTC asked for.
                let rc = unsafe { sys::nvrtcGetCUBIN(prog, buf.as_mut_ptr().cast()) };
                if rc != sys::nvrtcResult::NVRTC_SUCCESS {
                    Err(Error::Cuda(format!(
                        "NVRTC: reading the CUBIN failed ({rc:?})"
                    )))
                } else {
                    Ok(buf)
                }
            }
        }
    };
    // SAFETY: `prog` is alive and not used after this.
    let _ = unsafe { result::destroy_program(prog) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const BENCH: Dims = Dims {
        n: 100,
        m: 0,
        p: 100,
        big_n: 100,
        ld: 101,
        v: 100,
    };

    /// The `OPTNET_DIM_*` macros a kernel source reads.
    fn dims_read(src: &str) -> BTreeSet<&str> {
        src.match_indices("OPTNET_DIM_")
            .map(|(i, _)| {
                let rest = &src[i..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                &rest[..end]
            })
            .collect()
    }

    /// A specialized module's options are the generic module's and `-DOPTNET_DIMS` with a value
    /// for every `OPTNET_DIM_*` macro the kernel source reads, and for no other; the
    /// equilibration kernel's the same, of which it reads some.
    #[test]
    fn shape_builds_define_every_dimension_the_source_reads() {
        let base = nvrtc_options((9, 0), true, Build::Default);
        let opts = nvrtc_options((9, 0), true, Build::Shape(BENCH));
        assert_eq!(opts[..base.len()], base[..]);
        let extra = &opts[base.len()..];
        assert_eq!(
            extra,
            [
                "-DOPTNET_DIMS",
                "-DOPTNET_DIM_N=100",
                "-DOPTNET_DIM_M=0",
                "-DOPTNET_DIM_P=100",
                "-DOPTNET_DIM_NN=100",
                "-DOPTNET_DIM_LD=101",
                "-DOPTNET_DIM_V=100",
            ]
        );
        let read = dims_read(SOURCE);
        let given: BTreeSet<&str> = extra[1..]
            .iter()
            .map(|o| o.trim_start_matches("-D").split('=').next().unwrap_or(""))
            .collect();
        assert_eq!(read, given);
        // The equilibration kernel's specialized module gets the same options and reads some.
        let ruiz = nvrtc_options((9, 0), true, Build::RuizShape(BENCH));
        let ruiz_base = nvrtc_options((9, 0), true, Build::Ruiz);
        assert_eq!(ruiz[ruiz_base.len()..], *extra);
        let ruiz_reads = dims_read(RUIZ_SOURCE);
        assert!(!ruiz_reads.is_empty() && ruiz_reads.is_subset(&given));
    }

    /// Each source NVRTC compiles is `common.cuh`, a `#line 1` directive naming the file, and
    /// the file, byte for byte, as an `OPTNET_CUDA_SOURCE` file is put together (and as
    /// `notes/s23/pre.py` builds it for the disk cache's names).
    #[test]
    fn sources_are_common_then_the_file() {
        for (source, name, file) in [
            (SOURCE, "pdipm.cu", include_str!("pdipm.cu")),
            (RUIZ_SOURCE, "ruiz.cu", include_str!("ruiz.cu")),
            (SUMS_SOURCE, "sums.cu", include_str!("sums.cu")),
        ] {
            assert_eq!(source, after_common(name, file), "{name}");
        }
    }

    /// A narrow module specialized for a shape has the narrow module's options and then the
    /// shape's.
    #[test]
    fn narrow_shape_builds_add_the_shape_to_the_narrow_options() {
        let narrow = nvrtc_options((9, 0), true, Build::Narrow(4));
        let opts = nvrtc_options((9, 0), true, Build::NarrowShape(4, BENCH));
        let shape = nvrtc_options((9, 0), true, Build::Shape(BENCH));
        let default = nvrtc_options((9, 0), true, Build::Default);
        assert_eq!(opts[..narrow.len()], narrow[..]);
        assert_eq!(opts[narrow.len()..], shape[default.len()..]);
    }

    /// A context keeps at most [`SHAPES`] shapes: a new one past them gets no entry, a known
    /// one keeps its index.
    #[test]
    fn at_most_shapes_shapes_get_an_entry() {
        let mut entries = Vec::new();
        for k in 0..SHAPES + 2 {
            let dims = Dims {
                n: 1 + k as i32,
                ..BENCH
            };
            let got = Context::entry(&mut entries, dims);
            assert_eq!(got, (k < SHAPES).then_some(k), "shape {k}");
        }
        assert_eq!(
            Context::entry(&mut entries, Dims { n: 3, ..BENCH }),
            Some(2)
        );
        assert_eq!(entries.len(), SHAPES);
    }
}
