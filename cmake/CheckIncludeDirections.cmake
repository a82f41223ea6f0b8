# Source-level dependency rules, run as a unit test (cmake -DSOURCE_DIR=... -P this file):
#   engine/  never includes Qt headers;
#   widgets/ never includes torch, ATen or c10 headers, nor engine headers;
#   app/ headers never include torch/ATen/c10 (torch stays in .cpp files on the engine thread);
#   engine/text and engine/models never include each other, pipelines/ or sampling/;
#   engine/nn (the shared blocks) includes no family, pipeline or sampler;
#   no string literal in engine/ names a command-line flag.
set(violations "")
function(scan glob regex rule)
    file(GLOB_RECURSE files ${glob})
    foreach(f IN LISTS files)
        file(STRINGS "${f}" lines REGEX "${regex}")
        foreach(l IN LISTS lines)
            file(RELATIVE_PATH rel "${SOURCE_DIR}" "${f}")
            set(violations "${violations}\n  ${rel}: ${l}  (${rule})" PARENT_SCOPE)
        endforeach()
    endforeach()
endfunction()

scan("${SOURCE_DIR}/engine/*.[hc]pp" "^[ \t]*#[ \t]*include[ \t]*[<\"](Q[A-Za-z]+|Qt[A-Za-z]+/)" "engine has no Qt")
scan("${SOURCE_DIR}/engine/*.h" "^[ \t]*#[ \t]*include[ \t]*[<\"](Q[A-Za-z]+|Qt[A-Za-z]+/)" "engine has no Qt")
scan("${SOURCE_DIR}/widgets/*" "^[ \t]*#[ \t]*include[ \t]*[<\"](torch/|ATen/|c10/|core/|io/|runtime/)" "widgets have no torch and no engine")
scan("${SOURCE_DIR}/app/*.h" "^[ \t]*#[ \t]*include[ \t]*[<\"](torch/|ATen/|c10/|runtime/)" "app headers have no torch")
# Inside the engine: text/ and models/ both sit on nn/ and never on each other; neither reaches up
# to pipelines/ (the one place that knows every family) or sampling/.
scan("${SOURCE_DIR}/engine/text/*" "^[ \t]*#[ \t]*include[ \t]*[<\"](models|pipelines|sampling)/" "text/ sits below models/ and pipelines/")
scan("${SOURCE_DIR}/engine/models/*" "^[ \t]*#[ \t]*include[ \t]*[<\"](text|pipelines|sampling)/" "models/ sits below pipelines/ and beside text/")
scan("${SOURCE_DIR}/engine/nn/*" "^[ \t]*#[ \t]*include[ \t]*[<\"](text|models|pipelines|sampling|metrics)/" "nn/ holds blocks shared by every family and sits below them")
file(GLOB_RECURSE _cli "${SOURCE_DIR}/app/cli/*")
foreach(f IN LISTS _cli)
    file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](Q[A-Za-z]+|Qt[A-Za-z]+/)")
    foreach(l IN LISTS lines)
        set(violations "${violations}\n  ${f}: ${l}  (the CLI is Qt-free)")
    endforeach()
endforeach()

# Engine messages speak of the thing, never of a command-line flag (the GUI shows them to people
# who never typed one); the CLI adds the option itself. A string literal naming "--flag" fails.
foreach(ext h cpp)
    scan("${SOURCE_DIR}/engine/*.${ext}" "\"([^\"]*[ (])?--[a-z]" "engine messages name no CLI flag")
endforeach()

# libtorch.so (PyTorch's) exports a copy of std::filesystem that crashes when our remove_all binds
# to it; mp::removeTree (engine/io/file_util.h) is the one to call.
foreach(dir engine app widgets tests)
    file(GLOB_RECURSE files "${SOURCE_DIR}/${dir}/*.cpp" "${SOURCE_DIR}/${dir}/*.h")
    foreach(f IN LISTS files)
        file(STRINGS "${f}" lines REGEX "remove_all[ \t]*\\(")
        foreach(l IN LISTS lines)
            file(RELATIVE_PATH rel "${SOURCE_DIR}" "${f}")
            set(violations "${violations}\n  ${rel}: ${l}  (use mp::removeTree, not std::filesystem::remove_all)")
        endforeach()
    endforeach()
endforeach()

if(violations)
    message(FATAL_ERROR "Dependency direction violations:${violations}")
endif()
message(STATUS "dependency directions: ok")
