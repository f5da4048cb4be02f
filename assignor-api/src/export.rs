//! What [`export_assignor!`](crate::export_assignor) expands to: the plugin side of the boundary.
//! Every call runs inside `catch_unwind`: a panic unwinding into abi_stable's shims would end the
//! whole host process.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use abi_stable::prefix_type::PrefixTypeTrait;
use abi_stable::std_types::{RSlice, RVec};

pub use abi_stable::library::{CheckTypeLayout, LibHeader, RootModuleResult};

use crate::Assignor;
use crate::abi::{AssignReply, AssignorMod, AssignorModRef, InfoReply, PluginFailure};
use crate::codec;
use crate::model::GroupSpec;

/// Builds the root module from the two shims the macro defines.
pub fn root_module(
    info: extern "C" fn() -> RVec<u8>,
    assign: extern "C" fn(RSlice<'_, u8>) -> RVec<u8>,
) -> AssignorModRef {
    AssignorMod { info, assign }.leak_into_prefix()
}

/// Runs abi_stable's root-module loader around [`root_module`].
pub fn call_root_module_loader(make: fn() -> AssignorModRef) -> RootModuleResult {
    abi_stable::library::__call_root_module_loader(make)
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_owned(),
            Err(_) => "a panic with a non-string payload".to_owned(),
        },
    }
}

fn failure_from_panic(payload: Box<dyn Any + Send>) -> PluginFailure {
    PluginFailure {
        panicked: true,
        message: panic_message(payload),
    }
}

/// The `info` shim's body.
pub fn info_reply(instance: fn() -> &'static dyn Assignor) -> RVec<u8> {
    let reply = catch_unwind(|| {
        let mut info = instance().info();
        // What the plugin reads is a property of the contract it was built against.
        info.reads = vec![codec::Reads::of::<GroupSpec>()];
        info
    })
    .map_err(failure_from_panic);
    // Encoding our own serializable types cannot panic.
    RVec::from(codec::encode(&InfoReply(reply)))
}

/// The `assign` shim's body.
pub fn assign_reply(instance: fn() -> &'static dyn Assignor, input: RSlice<'_, u8>) -> RVec<u8> {
    let reply = catch_unwind(AssertUnwindSafe(|| {
        let spec: GroupSpec = codec::decode(input.as_slice()).map_err(|e| PluginFailure {
            panicked: false,
            message: format!("cannot read the group: {e}"),
        })?;
        instance().assign(&spec).map_err(|e| PluginFailure {
            panicked: false,
            message: e.to_string(),
        })
    }))
    .unwrap_or_else(|payload| Err(failure_from_panic(payload)));
    RVec::from(codec::encode(&AssignReply(reply)))
}

/// Makes the crate an assignor plugin. Give it an expression that builds your [`Assignor`]; it is
/// built once, on first use.
///
/// ```ignore
/// pub struct Mine;
/// impl regroup_assignor_api::Assignor for Mine { /* info, assign */ }
/// regroup_assignor_api::export_assignor!(Mine);
/// ```
///
/// The exported symbol is named after the crate, so the same crate can also be linked into the
/// host as a built-in beside other strategies.
#[macro_export]
macro_rules! export_assignor {
    ($assignor:expr) => {
        const _: () = {
            static INSTANCE: ::std::sync::OnceLock<::std::boxed::Box<dyn $crate::Assignor>> =
                ::std::sync::OnceLock::new();

            fn instance() -> &'static dyn $crate::Assignor {
                &**INSTANCE.get_or_init(|| ::std::boxed::Box::new($assignor))
            }

            extern "C" fn info() -> $crate::__private::RVec<u8> {
                $crate::__private::info_reply(instance)
            }

            extern "C" fn assign(input: $crate::__private::RSlice<'_, u8>) -> $crate::__private::RVec<u8> {
                $crate::__private::assign_reply(instance, input)
            }

            fn module() -> $crate::abi::AssignorModRef {
                $crate::__private::root_module(info, assign)
            }

            extern "C" fn load_root_module() -> $crate::__private::RootModuleResult {
                $crate::__private::call_root_module_loader(module)
            }

            #[unsafe(export_name = concat!("regroup_assignor_v1_", env!("CARGO_CRATE_NAME")))]
            static ROOT: $crate::__private::LibHeader = unsafe {
                // SAFETY: `load_root_module` returns the prefix of an `AssignorModRef`, as required.
                $crate::__private::LibHeader::from_constructor::<$crate::abi::AssignorModRef>(
                    load_root_module,
                    $crate::__private::CheckTypeLayout::Yes,
                )
            };
        };
    };
}
