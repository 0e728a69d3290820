//! Checkpoints as safetensors files, keyed by the parameters' dotted names
//! (the layout PyTorch's `safetensors.torch` reads and writes).
//!
//! Loading checks every name, shape and dtype before changing anything,
//! and returns an [`NnError`] naming the parameter: a file that does not
//! fit leaves the model untouched. Saving writes a temporary file, syncs
//! it, and renames it over the target, so a crash mid-save never destroys
//! the previous checkpoint.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};

use origami_tape::{Float, Tensor};

use crate::error::NnError;
use crate::module::Params;

/// Free-form string metadata stored in the file's header.
pub type Metadata = HashMap<String, String>;

/// Tensors by name, in name order.
pub type NamedTensors<T> = Vec<(String, Tensor<T>)>;

fn dtype_of<T: Float>() -> Dtype {
    if T::DTYPE == "f32" {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

fn to_bytes<T: Float>(t: &Tensor<T>) -> Vec<u8> {
    let wide = T::DTYPE == "f64";
    t.data()
        .iter()
        .flat_map(|&x| {
            if wide {
                x.to_f64().to_le_bytes().to_vec()
            } else {
                (x.to_f64() as f32).to_le_bytes().to_vec()
            }
        })
        .collect()
}

fn from_bytes<T: Float>(bytes: &[u8]) -> Vec<T> {
    if T::DTYPE == "f64" {
        bytes
            .chunks_exact(8)
            .map(|c| T::from_f64(f64::from_le_bytes(c.try_into().expect("8 bytes"))))
            .collect()
    } else {
        bytes
            .chunks_exact(4)
            .map(|c| T::from_f64(f32::from_le_bytes(c.try_into().expect("4 bytes")) as f64))
            .collect()
    }
}

/// Writes `bytes` to `path` atomically: a temporary file beside it,
/// fsync, rename, fsync of the directory.
///
/// # Errors
/// [`NnError::Io`] naming the file that could not be written.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), NnError> {
    let io = |path: PathBuf| move |source| NnError::Io { path, source };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| NnError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path"),
    })?;
    let tmp: PathBuf = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(io(tmp)(e));
    }
    fs::rename(&tmp, path).map_err(io(path.to_path_buf()))?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Saves named tensors (and metadata) to `path`, atomically.
///
/// # Errors
/// [`NnError::Io`] if the file cannot be written.
pub fn save_tensors<T: Float>(
    path: &Path,
    tensors: &[(String, &Tensor<T>)],
    metadata: &Metadata,
) -> Result<(), NnError> {
    let bytes = encode_tensors(tensors, metadata).map_err(|message| NnError::Format {
        path: path.to_path_buf(),
        message,
    })?;
    atomic_write(path, &bytes)
}

/// The safetensors bytes of named tensors and metadata.
fn encode_tensors<T: Float>(
    tensors: &[(String, &Tensor<T>)],
    metadata: &Metadata,
) -> Result<Vec<u8>, String> {
    let bytes: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .iter()
        .map(|(n, t)| (n.clone(), to_bytes(t), t.shape().to_vec()))
        .collect();
    let views: BTreeMap<String, TensorView<'_>> = bytes
        .iter()
        .map(|(n, b, s)| {
            let view =
                TensorView::new(dtype_of::<T>(), s.clone(), b).expect("byte length matches shape");
            (n.clone(), view)
        })
        .collect();
    // safetensors without `std` keys its header by its own map type.
    let info = (!metadata.is_empty()).then(|| metadata.clone().into_iter().collect());
    safetensors::serialize(views, info).map_err(|e| e.to_string())
}

/// Reads every tensor of `path` (which must all be of dtype `T`) and the
/// metadata.
///
/// # Errors
/// [`NnError::Io`] if unreadable, otherwise as [`decode_tensors`].
pub fn load_tensors<T: Float>(path: &Path) -> Result<(NamedTensors<T>, Metadata), NnError> {
    decode_tensors(&read(path)?, path)
}

/// Decodes a safetensors file held in memory; `path` names it in errors.
///
/// # Errors
/// [`NnError::Format`] if `bytes` are not valid safetensors (truncated,
/// header offsets out of range, …), [`NnError::Dtype`] for a tensor of
/// another dtype than `T`.
pub fn decode_tensors<T: Float>(
    bytes: &[u8],
    path: &Path,
) -> Result<(NamedTensors<T>, Metadata), NnError> {
    let format = |e: safetensors::SafeTensorError| NnError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(format)?;
    let metadata: Metadata = header
        .metadata()
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let file = SafeTensors::deserialize(bytes).map_err(format)?;
    let mut names: Vec<&str> = file.names();
    names.sort_unstable();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let view = file.tensor(name).map_err(format)?;
        if view.dtype() != dtype_of::<T>() {
            return Err(NnError::Dtype {
                origin: path.display().to_string(),
                name: name.to_string(),
                expected: T::DTYPE.to_string(),
                found: format!("{:?}", view.dtype()),
            });
        }
        let data = from_bytes::<T>(view.data());
        let tensor = Tensor::from_vec(view.shape(), data).map_err(|e| NnError::Format {
            path: path.to_path_buf(),
            message: format!("tensor {name:?}: {e}"),
        })?;
        out.push((name.to_string(), tensor));
    }
    Ok((out, metadata))
}

fn read(path: &Path) -> Result<Vec<u8>, NnError> {
    fs::read(path).map_err(|source| NnError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Saves every parameter of `module` under its dotted name.
///
/// # Errors
/// [`NnError::DuplicateName`] if two parameters share a name;
/// [`NnError::Io`] if the file cannot be written.
///
/// ```
/// use origami_nn::{load, save, Dense, Metadata};
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let layer = Dense::<f32>::new(3, 2, &mut rng);
/// let path = std::env::temp_dir().join(format!("origami-doc-{}.safetensors", std::process::id()));
/// save(&path, &layer, &Metadata::new())?;
/// let mut other = Dense::<f32>::new(3, 2, &mut rng);
/// load(&path, &mut other)?;
/// assert_eq!(other.weight.value(), layer.weight.value());
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), origami_nn::NnError>(())
/// ```
pub fn save<T: Float>(
    path: &Path,
    module: &impl Params<T>,
    metadata: &Metadata,
) -> Result<(), NnError> {
    let tensors = named_values(module)?;
    save_tensors(path, &tensors, metadata)
}

/// Every parameter's value under its dotted name, names checked unique.
fn named_values<T: Float>(module: &impl Params<T>) -> Result<Vec<(String, &Tensor<T>)>, NnError> {
    let params = module.params();
    check_unique(params.iter().map(|(n, _)| n.as_str()))?;
    Ok(params.into_iter().map(|(n, p)| (n, p.value())).collect())
}

/// [`save`] into memory: the bytes of the safetensors file `save` would
/// write (for a browser download, a socket, a database).
///
/// ```
/// use origami_nn::{load_bytes, save_bytes, Dense, Metadata};
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let layer = Dense::<f32>::new(3, 2, &mut rng);
/// let bytes = save_bytes(&layer, &Metadata::new())?;
/// let mut other = Dense::<f32>::new(3, 2, &mut rng);
/// load_bytes(&bytes, "in memory".as_ref(), &mut other)?;
/// assert_eq!(other.weight.value(), layer.weight.value());
/// # Ok::<(), origami_nn::NnError>(())
/// ```
///
/// # Errors
/// [`NnError::DuplicateName`] if two parameters share a name.
pub fn save_bytes<T: Float>(
    module: &impl Params<T>,
    metadata: &Metadata,
) -> Result<Vec<u8>, NnError> {
    let tensors = named_values(module)?;
    encode_tensors(&tensors, metadata).map_err(|message| NnError::Format {
        path: PathBuf::from("in memory"),
        message,
    })
}

/// Loads every parameter of `module` from `path`; returns the metadata.
/// Nothing is changed unless every name, shape and dtype fits.
///
/// # Errors
/// [`NnError::Missing`], [`NnError::Unexpected`], [`NnError::Shape`] or
/// [`NnError::Dtype`] naming the parameter; [`NnError::Io`] or
/// [`NnError::Format`] for an unreadable or corrupt file.
pub fn load<T: Float>(path: &Path, module: &mut impl Params<T>) -> Result<Metadata, NnError> {
    load_bytes(&read(path)?, path, module)
}

/// [`load`] from a checkpoint held in memory; `path` names it in errors.
///
/// # Errors
/// As [`load`], except [`NnError::Io`].
pub fn load_bytes<T: Float>(
    bytes: &[u8],
    path: &Path,
    module: &mut impl Params<T>,
) -> Result<Metadata, NnError> {
    let (tensors, metadata) = decode_tensors::<T>(bytes, path)?;
    assign_from(module, tensors, &path.display().to_string())?;
    Ok(metadata)
}

/// Sets every parameter of `module` from `tensors`, given by dotted name
/// in any order (PyTorch's `load_state_dict`, strict): how to build a
/// model from weights you already hold. Nothing is changed unless every
/// parameter has a tensor of its shape and no tensor is left over.
///
/// ```
/// use origami_nn::{assign, Dense, Params};
/// use origami_tape::Tensor;
/// use rand::SeedableRng;
/// let mut layer = Dense::<f32>::new(2, 1, &mut rand::rngs::StdRng::seed_from_u64(0));
/// let weight = Tensor::from_vec(&[1, 2], vec![0.5, -1.0])?;
/// let bias = Tensor::from_vec(&[1], vec![0.25])?;
/// assign(&mut layer, vec![("weight".into(), weight.clone()), ("bias".into(), bias)])?;
/// assert_eq!(layer.weight.value(), &weight);
///
/// let wrong = Tensor::from_vec(&[2, 1], vec![0.5, -1.0])?;
/// let err = assign(&mut layer, vec![("weight".into(), wrong)]).unwrap_err();
/// assert_eq!(err.to_string(),
///     "parameter \"weight\" has shape [1, 2] in the model but [2, 1] in given tensors");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`NnError::Missing`], [`NnError::Unexpected`] or [`NnError::Shape`]
/// naming the parameter, [`NnError::DuplicateName`] for a name given twice.
pub fn assign<T: Float>(
    module: &mut impl Params<T>,
    tensors: NamedTensors<T>,
) -> Result<(), NnError> {
    assign_from(module, tensors, "given tensors")
}

/// [`assign`], with `origin` naming where the tensors came from in errors.
fn assign_from<T: Float>(
    module: &mut impl Params<T>,
    tensors: NamedTensors<T>,
    origin: &str,
) -> Result<(), NnError> {
    check_unique(tensors.iter().map(|(n, _)| n.as_str()))?;
    let mut by_name: HashMap<String, Tensor<T>> = tensors.into_iter().collect();
    let mut params = module.params_mut();
    check_unique(params.iter().map(|(n, _)| n.as_str()))?;
    for (name, param) in &params {
        let Some(t) = by_name.get(name) else {
            return Err(NnError::Missing {
                origin: origin.to_string(),
                name: name.clone(),
            });
        };
        if t.shape() != param.shape() {
            return Err(NnError::Shape {
                origin: origin.to_string(),
                name: name.clone(),
                expected: param.shape().to_vec(),
                found: t.shape().to_vec(),
            });
        }
    }
    if by_name.len() > params.len() {
        let mut extra: Vec<&String> = by_name
            .keys()
            .filter(|k| !params.iter().any(|(n, _)| n == *k))
            .collect();
        extra.sort();
        return Err(NnError::Unexpected {
            origin: origin.to_string(),
            name: extra[0].clone(),
        });
    }
    for (name, param) in params.iter_mut() {
        *param.value_mut() = by_name.remove(name).expect("checked above");
    }
    Ok(())
}

fn check_unique<'a>(names: impl Iterator<Item = &'a str>) -> Result<(), NnError> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(NnError::DuplicateName {
                name: n.to_string(),
            });
        }
    }
    Ok(())
}
